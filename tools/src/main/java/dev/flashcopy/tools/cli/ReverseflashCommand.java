package dev.flashcopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.tools.client.AdminClient;
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
 * {@code flashcopy reverseflash [--record] [--persist] [--fast] SRC:TGT}: restores TGT's point in time onto
 * SRC; the relationship then runs TGT:SRC. Not thread-safe.
 */
@Command(
        name = "reverseflash",
        mixinStandardHelpOptions = true,
        description = {
            "Restore TGT's current content onto SRC, copying back only the grains changed on either side"
                    + " since T0. SRC reads the restored data at once; the copy back runs in the background (a"
                    + " NOCOPY pair stays NOCOPY: no background copy, TGT stays as sparse as it was). The"
                    + " relationship is reversed: name it TGT:SRC afterwards. The pair must record changes. Other"
                    + " targets of SRC keep their points in time: they hang below SRC, which becomes TGT's target."
        })
public final class ReverseflashCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption data;

    @Parameters(
            index = "0",
            paramLabel = "SRC:TGT",
            converter = Converters.Pair.class,
            description = "the relationship as it runs now")
    PairSpec pair;

    @Option(
            names = {"--record", "-record"},
            description = "record changes on the reversed pair (implies --persist)")
    boolean record;

    @Option(
            names = {"--persist", "-persist"},
            description = "keep the reversed relationship after the copy back (default: it ends then)")
    boolean persist;

    @Option(
            names = {"--fast", "-fast"},
            description = "fast reverse restore: do not wait for the background copy to complete first")
    boolean fast;

    @Mixin
    WaitOption waitOption;

    @Option(names = "--json", description = "print the reversed relationship as JSON")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        waitOption.check(true, "");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("record", record);
        body.put("persistent", persist);
        body.put("fast", fast);
        AdminClient client = AdminClient.forDataDir(data.dataDir());
        JsonNode r = client.post("/v1/relationships/" + pair + "/reverse", body);
        var out = spec.commandLine().getOut();
        if (json) {
            JsonOutput.print(out, r);
        } else {
            // A NOCOPY pair stays NOCOPY: nothing is copied in the background, the grains changed since T0 are
            // read from the restored-from volume until they are written (outOfSyncGrains counts the rest, which
            // each volume reads from the other's file, too).
            String what = "nocopy".equals(r.path("mode").asText())
                    ? "nocopy: no background copy, only changed grains move, when written"
                    : r.path("outOfSyncGrains").asLong() + " grains still to copy back";
            out.println("FlashCopy pair " + pair + " successfully reversed; it now runs "
                    + r.path("source").asText() + ":" + r.path("target").asText() + " (" + what + ")");
            out.flush();
        }
        waitOption.follow(client, r, out, json);
        return ExitCode.OK.code();
    }
}
