package dev.flashcopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.tools.client.AdminClient;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code flashcopy wait SRC:TGT [--timeout SECONDS]}: exits 0 when the background copy is complete (a
 * non-persistent copy then ends the relationship); a pair withdrawn or failed before that exits 7 or 8, and one
 * reversed (it runs the other way now) 1, as the server's record of recent endings says. A NOCOPY pair, which has no
 * background copy, is refused (1) unless {@code --timeout} bounds the wait. Not thread-safe.
 */
@Command(
        name = "wait",
        mixinStandardHelpOptions = true,
        description = {"Wait until the background copy of SRC:TGT is complete, showing percent, MiB/s and ETA."})
public final class WaitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption data;

    @Parameters(index = "0", paramLabel = "SRC:TGT", converter = Converters.Pair.class, description = "the pair")
    PairSpec pair;

    @Option(
            names = "--timeout",
            paramLabel = "SECONDS",
            converter = Converters.Seconds.class,
            description = "give up after this long (exit 6)")
    Long timeoutSeconds;

    @Override
    public Integer call() throws InterruptedException {
        AdminClient client = AdminClient.forDataDir(data.dataDir());
        // Both volumes must exist: a typo must not read as "copy complete".
        client.get("/v1/volumes/" + pair.source());
        client.get("/v1/volumes/" + pair.target());
        var out = spec.commandLine().getOut();
        CopyProgress progress = new CopyProgress(client, out, System.console() != null);
        // A NOCOPY pair copies only grains that writes touch: it has no background copy to reach 100 %.
        JsonNode now = progress.current(pair);
        boolean nocopy = now != null && "nocopy".equals(now.path("mode").asText());
        String noBackgroundCopy = pair + " is a NOCOPY relationship (mkflash --nocp): it has no background copy";
        if (nocopy && timeoutSeconds == null) {
            throw new CommandFailure(
                    ExitCode.REFUSED,
                    noBackgroundCopy + ", so it never completes on its own and the wait would never end (give"
                            + " --timeout, or see lsflash " + pair + ")");
        }
        CopyProgress.Outcome outcome =
                progress.follow(pair, timeoutSeconds == null ? null : Duration.ofSeconds(timeoutSeconds));
        switch (outcome) {
            case COPIED ->
                out.println(pair + ": copy complete; "
                        + (ends(progress.lastSeen())
                                ? "the relationship ends now (COPY mode, not persistent)"
                                : "the relationship remains until rmflash (persistent or NOCOPY)"));
            case GONE -> {
                // follow printed how it ended; a withdrawn or failed pair was a CommandFailure with its own code
            }
            case TIMED_OUT ->
                throw new CommandFailure(
                        ExitCode.TIMED_OUT,
                        "timed out after " + timeoutSeconds + " s; "
                                + (nocopy ? noBackgroundCopy + " to complete" : "the copy goes on"));
        }
        out.flush();
        return ExitCode.OK.code();
    }

    /** A non-persistent COPY relationship withdraws itself once nothing is left to copy. */
    private static boolean ends(JsonNode rel) {
        return rel != null
                && "copy".equals(rel.path("mode").asText())
                && !rel.path("persistent").asBoolean();
    }
}
