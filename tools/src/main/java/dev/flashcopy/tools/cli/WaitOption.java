package dev.flashcopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.tools.client.AdminClient;
import java.io.PrintWriter;
import java.io.Writer;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --wait [--timeout SECONDS]} for the commands that start a background copy ({@code mkflash},
 * {@code resyncflash}, {@code reverseflash}): after the call, follow each relationship's copy to 100 % with
 * the same progress display as {@code wait}. Not thread-safe.
 */
public final class WaitOption {
    @Option(names = "--wait", description = "then follow the background copy to 100 %% (as 'wait' does)")
    boolean enabled;

    @Option(
            names = "--timeout",
            paramLabel = "SECONDS",
            converter = Converters.Seconds.class,
            description = "with --wait: give up waiting after this long (exit 6); the copy goes on")
    Long timeoutSeconds;

    /** Refuses {@code --timeout} without {@code --wait}, and {@code --wait} where no copy will run. */
    void check(boolean copyRuns, String whyNot) {
        if (timeoutSeconds != null && !enabled) {
            throw new CommandFailure(ExitCode.USAGE, "--timeout only applies with --wait");
        }
        if (enabled && !copyRuns) {
            throw new CommandFailure(ExitCode.USAGE, "--wait follows the background copy, which " + whyNot);
        }
    }

    /**
     * Follows the relationships in {@code rels} (one JSON object with source and target, or an array of them)
     * one after another; they copy in parallel, so the later ones are mostly done by then. Does nothing without {@code --wait}; with
     * {@code json} it waits without a word, since the command's JSON is its whole output.
     */
    void follow(AdminClient client, JsonNode rels, PrintWriter out, boolean json) throws InterruptedException {
        if (!enabled) {
            return;
        }
        PrintWriter shown = json ? new PrintWriter(Writer.nullWriter()) : out;
        long deadline = timeoutSeconds == null ? 0 : System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        for (JsonNode r : rels.isArray() ? rels : List.of(rels)) {
            PairSpec pair =
                    new PairSpec(r.path("source").asText(), r.path("target").asText());
            if ("nocopy".equals(r.path("mode").asText())) {
                // resync and reverse keep the stored mode: a NOCOPY pair would never reach 100 %.
                shown.println(pair + ": NOCOPY, no background copy to wait for");
                continue;
            }
            Duration left = timeoutSeconds == null ? null : Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            CopyProgress.Outcome outcome = new CopyProgress(client, shown, System.console() != null).follow(pair, left);
            if (outcome == CopyProgress.Outcome.TIMED_OUT) {
                throw new CommandFailure(
                        ExitCode.TIMED_OUT,
                        "timed out after " + timeoutSeconds + " s; the copy goes"
                                + " on (follow it with: flashcopy wait " + pair + ")");
            }
        }
        shown.flush();
    }
}
