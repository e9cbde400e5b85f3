package dev.flashcopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flashcopy.tools.client.AdminClient;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code flashcopy lsflash [-l] [--json] [VOL | SRC:TGT]}: one row per relationship. Not thread-safe. */
@Command(name = "lsflash", mixinStandardHelpOptions = true,
        description = {"List FlashCopy relationships: all, those of one volume (as source or target), or one pair."})
public final class LsflashCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption data;

    @Parameters(arity = "0..1", paramLabel = "VOL|SRC:TGT", description = "only this volume's or this pair's")
    String filter;

    @Option(names = {"-l", "--long"}, description = "more columns: persistent, inhibit, grain, grains, rate, T0, recording,"
            + " revertible, changed grains on source and target, date synced")
    boolean longFormat;

    @Option(names = "--json", description = "print a JSON array of relationships (fields: source, target, seqnum,"
            + " mode, state, persistent, tgtinhibit, grainSize, totalGrains, outOfSyncGrains, copiedPercent,"
            + " establishedAt, copyRateMiBps, recording, revertible, changedSourceGrains, changedTargetGrains,"
            + " dateSynced, onFull, failedReason)")
    boolean json;

    @Override
    public Integer call() {
        String path = filter == null ? "/v1/relationships" : "/v1/relationships/" + filter;
        JsonNode rels = AdminClient.forDataDir(data.dataDir()).get(path).path("relationships");
        var out = spec.commandLine().getOut();
        if (json) {
            JsonOutput.print(out, rels);
            return ExitCode.OK.code();
        }
        if (rels.isEmpty()) {
            out.println("no FlashCopy relationships" + (filter == null ? "" : " for " + filter));
            out.flush();
            return ExitCode.OK.code();
        }
        Table table = longFormat
                ? new Table("ID", "SEQNUM", "MODE", "STATE", "COPIED", "OUTOFSYNC", "TOTAL", "GRAIN", "PERSIST",
                        "TGTINHIBIT", "RATE", "T0", "RECORDING", "REVERTIBLE", "SRCCHANGED", "TGTCHANGED",
                        "DATESYNCED", "ONFULL")
                : new Table("ID", "SEQNUM", "MODE", "STATE", "COPIED", "OUTOFSYNC");
        table.alignRight(4).alignRight(5);
        for (JsonNode r : rels) {
            String id = r.path("source").asText() + ":" + r.path("target").asText();
            String seq = String.format(Locale.ROOT, "%08X", r.path("seqnum").asLong());
            String copied = String.format(Locale.ROOT, "%.2f %%", r.path("copiedPercent").asDouble());
            String oos = String.valueOf(r.path("outOfSyncGrains").asLong());
            if (longFormat) {
                table.row(id, seq, r.path("mode").asText(), r.path("state").asText(), copied, oos,
                        String.valueOf(r.path("totalGrains").asLong()),
                        dev.flashcopy.engine.catalog.ByteSize.format(r.path("grainSize").asLong()),
                        yesNo(r.path("persistent")), yesNo(r.path("tgtinhibit")),
                        String.format(Locale.ROOT, "%.1f MiB/s", r.path("copyRateMiBps").asDouble()),
                        r.path("establishedAt").asText(), yesNo(r.path("recording")), yesNo(r.path("revertible")),
                        String.valueOf(r.path("changedSourceGrains").asLong()),
                        String.valueOf(r.path("changedTargetGrains").asLong()), r.path("dateSynced").asText(),
                        r.path("onFull").asText("fail"));
            } else {
                table.row(id, seq, r.path("mode").asText(), r.path("state").asText(), copied, oos);
            }
        }
        table.print(out);
        for (JsonNode r : rels) {
            if (r.hasNonNull("failedReason")) {
                out.println(r.path("source").asText() + ":" + r.path("target").asText() + " failed: "
                        + r.path("failedReason").asText() + " (the target holds no point in time; rmflash it)");
            }
        }
        out.flush();
        return ExitCode.OK.code();
    }

    private static String yesNo(JsonNode n) {
        return n.asBoolean() ? "yes" : "no";
    }
}
