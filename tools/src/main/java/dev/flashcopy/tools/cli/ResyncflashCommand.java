package dev.flashcopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.tools.client.AdminClient;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code flashcopy resyncflash [--record] [--persist] [--tgtinhibit] [--seqnum N] [--freeze] SRC:TGT...}:
 * refreshes recording pairs to one new T0, recopying only grains changed on either side. As in the DS CLI the
 * options replace the stored ones, so leave out {@code --record} and the pair cannot be resynced again. Not
 * thread-safe.
 */
@Command(
        name = "resyncflash",
        mixinStandardHelpOptions = true,
        description = {
            "Make each TGT a new point-in-time copy of its SRC, copying only the grains changed on either"
                    + " side since the last T0 (writes to TGT are backed out). The pairs must record changes"
                    + " (mkflash --record). All pairs named share one new T0."
        })
public final class ResyncflashCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption data;

    @Mixin
    FreezeOption freeze;

    @Parameters(
            arity = "1..*",
            paramLabel = "SRC:TGT",
            converter = Converters.Pair.class,
            description = "source and target volume names of existing recording relationships")
    List<PairSpec> pairs;

    @Option(
            names = {"--record", "-record"},
            description = "keep recording changes (implies --persist); without it the pair cannot be resynced again")
    boolean record;

    @Option(
            names = {"--persist", "-persist"},
            description = "keep the relationship when the copy completes")
    boolean persist;

    @Option(
            names = {"--tgtinhibit", "-tgtinhibit"},
            description = "host writes to the target fail (EPERM) while the relationship exists")
    boolean tgtinhibit;

    @Option(
            names = {"--seqnum", "-seqnum"},
            paramLabel = "N",
            converter = Converters.Seqnum.class,
            description = "a new sequence number for the pairs, hexadecimal (default: each keeps its own)")
    Long seqnum;

    @Mixin
    WaitOption waitOption;

    @Option(names = "--json", description = "print the resynchronised relationships as JSON")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        waitOption.check(true, "");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("pairs", pairs.stream().map(PairSpec::toString).toList());
        body.put("record", record);
        body.put("persistent", persist);
        body.put("tgtinhibit", tgtinhibit);
        if (seqnum != null) {
            body.put("seqnum", seqnum);
        }
        freeze.addTo(body);
        AdminClient client = AdminClient.forDataDir(data.dataDir());
        JsonNode done = client.post("/v1/relationships/resync", body).path("relationships");
        var out = spec.commandLine().getOut();
        if (json) {
            JsonOutput.print(out, done);
        } else {
            for (JsonNode r : done) {
                out.println("FlashCopy pair " + r.path("source").asText() + ":"
                        + r.path("target").asText()
                        + " successfully resynchronized (T0 "
                        + r.path("dateSynced").asText() + ", "
                        + r.path("outOfSyncGrains").asLong() + " grains still to copy)");
            }
            if (!freeze.describe().isEmpty()) {
                out.println(freeze.describe());
            }
            out.flush();
        }
        waitOption.follow(client, done, out, json);
        return ExitCode.OK.code();
    }
}
