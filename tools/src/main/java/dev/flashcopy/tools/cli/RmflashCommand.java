package dev.flashcopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.tools.client.AdminClient;
import java.io.PrintWriter;
import java.io.Writer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code flashcopy rmflash [--cp] [--force] [--seqnum N] SRC:TGT}: withdraws a relationship. With
 * {@code --cp} the copy is completed first (the command follows it to the end); an incomplete
 * relationship otherwise needs {@code --force}, because its target is not a full copy. Not thread-safe.
 */
@Command(
        name = "rmflash",
        mixinStandardHelpOptions = true,
        description = {
            "Withdraw a FlashCopy relationship. The target keeps what it has; other targets of the same"
                    + " source keep their own point in time."
        })
public final class RmflashCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption data;

    @Parameters(index = "0", paramLabel = "SRC:TGT", converter = Converters.Pair.class, description = "the pair")
    PairSpec pair;

    @Option(
            names = {"--cp", "-cp"},
            description = "complete the background copy first, then withdraw")
    boolean copyFirst;

    @Option(names = "--force", description = "withdraw even though the target is not a full copy")
    boolean force;

    @Option(
            names = {"--seqnum", "-seqnum"},
            paramLabel = "N",
            converter = Converters.Seqnum.class,
            description = "only if the relationship has this sequence number (hexadecimal)")
    Long seqnum;

    @Option(
            names = "--timeout",
            paramLabel = "SECONDS",
            converter = Converters.Seconds.class,
            description = "with --cp: stop following after this long")
    Long timeoutSeconds;

    @Option(names = "--json", description = "print the withdrawn relationship as JSON")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("cp", copyFirst);
        body.put("force", force);
        if (seqnum != null) {
            body.put("seqnum", seqnum);
        }
        AdminClient client = AdminClient.forDataDir(data.dataDir());
        JsonNode result = client.post("/v1/relationships/" + pair + "/withdraw", body);
        var out = spec.commandLine().getOut();
        if (!result.path("withdrawn").asBoolean()) {
            // --cp on an incomplete relationship: it now copies and ends itself at 100 %.
            CopyProgress.Outcome outcome = new CopyProgress(
                            client, json ? new PrintWriter(Writer.nullWriter()) : out, System.console() != null)
                    .follow(pair, timeoutSeconds == null ? null : Duration.ofSeconds(timeoutSeconds));
            if (outcome == CopyProgress.Outcome.TIMED_OUT) {
                throw new CommandFailure(
                        ExitCode.TIMED_OUT,
                        "timed out; the copy goes on and " + pair
                                + " will be withdrawn when it completes (follow it with: flashcopy wait " + pair + ")");
            }
        }
        if (json) {
            JsonOutput.print(out, result.path("relationship"));
        } else {
            out.println("FlashCopy pair " + pair + " successfully withdrawn"
                    + (copyFirst ? " after completing the copy" : ""));
            out.flush();
        }
        return ExitCode.OK.code();
    }
}
