package dev.flashcopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flashcopy.engine.catalog.ByteSize;
import dev.flashcopy.tools.client.AdminClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code flashcopy lsflash [-l] [--json] [VOL | SRC:TGT]}: one row per relationship; when some source is itself
 * a target (a cascade), a LEVEL column says how deep each relationship sits. Not thread-safe.
 */
@Command(
        name = "lsflash",
        mixinStandardHelpOptions = true,
        description = {"List FlashCopy relationships: all, those of one volume (as source or target), or one pair."})
public final class LsflashCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption data;

    @Parameters(
            arity = "0..1",
            paramLabel = "VOL|SRC:TGT",
            converter = Converters.VolumeOrPair.class,
            description = "only this volume's or this pair's")
    String filter;

    @Option(
            names = {"-l", "--long"},
            description = "more columns: persistent, inhibit, grain, grains, rate, T0, recording,"
                    + " revertible, changed grains on source and target, date synced, frozen until, extents")
    boolean longFormat;

    @Option(
            names = "--json",
            description = "print a JSON array of relationships (fields: source, target, seqnum,"
                    + " mode, state, persistent, tgtinhibit, grainSize, totalGrains, outOfSyncGrains, copiedPercent,"
                    + " establishedAt, copyRateMiBps, recording, revertible, changedSourceGrains, changedTargetGrains,"
                    + " dateSynced, frozen, frozenUntil, onFull, failedReason, extents: [{sourceOffset, targetOffset,"
                    + " length}] of an extent relationship, owner: the server serving it, on a store several servers"
                    + " share, t0Snapshot: the RBD snapshot of the source that keeps T0, on Ceph)")
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
        JsonNode all = filter == null
                ? rels
                : AdminClient.forDataDir(data.dataDir())
                        .get("/v1/relationships")
                        .path("relationships");
        Map<String, String> sourceOf = new HashMap<>();
        all.forEach(
                r -> sourceOf.put(r.path("target").asText(), r.path("source").asText()));
        // Cascades: a source that is itself a target. Then each row says how deep it sits (1 = top level).
        boolean cascaded = false;
        for (JsonNode r : all) {
            cascaded |= sourceOf.containsKey(r.path("source").asText());
        }
        String[] header = longFormat
                ? new String[] {
                    "ID",
                    "SEQNUM",
                    "MODE",
                    "STATE",
                    "COPIED",
                    "OUTOFSYNC",
                    "TOTAL",
                    "GRAIN",
                    "PERSIST",
                    "TGTINHIBIT",
                    "RATE",
                    "T0",
                    "RECORDING",
                    "REVERTIBLE",
                    "SRCCHANGED",
                    "TGTCHANGED",
                    "DATESYNCED",
                    "FROZEN",
                    "ONFULL",
                    "EXTENTS"
                }
                : new String[] {"ID", "SEQNUM", "MODE", "STATE", "COPIED", "OUTOFSYNC"};
        if (cascaded) {
            header = Arrays.copyOf(header, header.length + 1);
            header[header.length - 1] = "LEVEL";
        }
        // The owner column only where servers share a store (on RBD), as in lsvol; a file store has one server.
        boolean owners = rels.get(0).has("owner");
        if (owners) {
            header = Arrays.copyOf(header, header.length + 1);
            header[header.length - 1] = "OWNER";
        }
        Table table = new Table(header);
        table.alignRight(4).alignRight(5);
        for (JsonNode r : rels) {
            String id = r.path("source").asText() + ":" + r.path("target").asText();
            String level = String.valueOf(level(r.path("source").asText(), sourceOf));
            String seq = String.format(Locale.ROOT, "%08X", r.path("seqnum").asLong());
            String copied = String.format(
                    Locale.ROOT, "%.2f %%", r.path("copiedPercent").asDouble());
            String oos = String.valueOf(r.path("outOfSyncGrains").asLong());
            if (longFormat) {
                row(
                        table,
                        cascaded,
                        owners,
                        id,
                        seq,
                        r.path("mode").asText(),
                        r.path("state").asText(),
                        copied,
                        oos,
                        String.valueOf(r.path("totalGrains").asLong()),
                        ByteSize.format(r.path("grainSize").asLong()),
                        yesNo(r.path("persistent")),
                        yesNo(r.path("tgtinhibit")),
                        String.format(
                                Locale.ROOT,
                                "%.1f MiB/s",
                                r.path("copyRateMiBps").asDouble()),
                        r.path("establishedAt").asText(),
                        yesNo(r.path("recording")),
                        yesNo(r.path("revertible")),
                        String.valueOf(r.path("changedSourceGrains").asLong()),
                        String.valueOf(r.path("changedTargetGrains").asLong()),
                        r.path("dateSynced").asText(),
                        r.path("frozen").asBoolean()
                                ? "until " + r.path("frozenUntil").asText()
                                : "no",
                        r.path("onFull").asText("fail"),
                        extents(r.path("extents")),
                        level,
                        r.path("owner").asText());
            } else {
                row(
                        table,
                        cascaded,
                        owners,
                        id,
                        seq,
                        r.path("mode").asText(),
                        state(r),
                        copied,
                        oos,
                        level,
                        r.path("owner").asText());
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

    /** The state, and "frozen" while the source's writes are held by a consistency-group freeze. */
    private static String state(JsonNode r) {
        return r.path("state").asText() + (r.path("frozen").asBoolean() ? ",frozen" : "");
    }

    /** Adds a row; its last two cells, the level and the owner, only when the table has those columns. */
    private static void row(Table table, boolean withLevel, boolean withOwner, String... cells) {
        List<String> kept = new ArrayList<>(Arrays.asList(cells).subList(0, cells.length - 2));
        if (withLevel) {
            kept.add(cells[cells.length - 2]);
        }
        if (withOwner) {
            kept.add(cells[cells.length - 1]);
        }
        table.row(kept.toArray(String[]::new));
    }

    /** 1 for a relationship whose source is no target, 2 one level down, and so on. */
    private static int level(String source, Map<String, String> sourceOf) {
        int level = 1;
        Set<String> seen = new HashSet<>();
        for (String v = sourceOf.get(source); v != null && seen.add(v); v = sourceOf.get(v)) {
            level++;
        }
        return level;
    }

    /** {@code SRC_OFFSET:TGT_OFFSET:LENGTH,...} as mkflash --extent takes them, or {@code -} (whole volume). */
    private static String extents(JsonNode list) {
        if (!list.isArray() || list.isEmpty()) {
            return "-";
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : list) {
            out.add(size(e.path("sourceOffset").asLong()) + ":"
                    + size(e.path("targetOffset").asLong()) + ":"
                    + size(e.path("length").asLong()));
        }
        return String.join(",", out);
    }

    private static String size(long bytes) {
        for (String unit : new String[] {"G", "M", "K"}) {
            long scale = 1L << (10 * ("KMG".indexOf(unit) + 1));
            if (bytes != 0 && bytes % scale == 0) {
                return bytes / scale + unit;
            }
        }
        return String.valueOf(bytes);
    }

    private static String yesNo(JsonNode n) {
        return n.asBoolean() ? "yes" : "no";
    }
}
