package dev.flashcopy.tools.cli;

import dev.flashcopy.tools.Flashcopy;
import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process {@code flashcopy} invocation through the same factory main uses. */
record CliRun(int exit, String out, String err) {
    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Flashcopy.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true))
                .execute(args);
        return new CliRun(exit, out.toString(), err.toString());
    }

    /** Errors are one line, prefixed, and never a stack trace. */
    String singleErrorLine() {
        String[] lines = err.strip().split("\n");
        if (lines.length != 1 || !lines[0].startsWith("flashcopy: ") || err.contains("\tat ")) {
            throw new AssertionError("expected one 'flashcopy: ' line on stderr, got:\n" + err);
        }
        return lines[0];
    }
}
