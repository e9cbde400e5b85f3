package dev.flashcopy.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated script really completes in bash: loaded, then asked what the user's partial word can be. */
class CompletionCommandTest {
    @TempDir
    Path dir;

    @Test
    void bashCompletesSubcommandNames() throws Exception {
        assertEquals("mkvol mkflash", complete("mk"));
    }

    @Test
    void bashCompletesOptionsOfASubcommand() throws Exception {
        assertEquals("--nocp", complete("mkflash --n"));
        assertEquals("--wait", complete("mkflash --wa"));
    }

    @Test
    void partialWordsWithNoMatchCompleteToNothing() throws Exception {
        assertEquals("", complete("zz"));
    }

    private String complete(String line) throws IOException, InterruptedException {
        CliRun r = CliRun.of("completion");
        assertEquals(0, r.exit(), r.err());
        Path script = dir.resolve("flashcopy-completion.bash");
        Files.writeString(script, r.out());
        // COMP_WORDS as bash would split the line; the word under the cursor is the last one.
        String words = "flashcopy " + line;
        String probe = "source " + script + " 2>/dev/null; COMP_WORDS=(" + words
                + "); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ));"
                + " COMP_LINE='" + words + "'; COMP_POINT=${#COMP_LINE}; _complete_flashcopy 2>/dev/null;"
                + " echo \"${COMPREPLY[*]}\"";
        Process p = new ProcessBuilder("bash", "--norc", "-c", probe)
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }
}
