package dev.flashcopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flashcopy.engine.bitmap.GrainGeometry;
import dev.flashcopy.engine.catalog.ByteSize;
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
 * {@code flashcopy mkflash [options] SRC:TGT...}: establishes FlashCopy pairs, all at one instant.
 * DS CLI spellings ({@code -nocp}, {@code -persist}, {@code -record}, {@code -tgtinhibit}, {@code -seqnum},
 * {@code -freeze}) are
 * accepted too. Not thread-safe.
 */
@Command(
        name = "mkflash",
        mixinStandardHelpOptions = true,
        description = {
            "Make each TGT an instant, writable point-in-time copy of its SRC. All pairs named share one"
                    + " point in time (T0). A missing TGT is created, sparse, the size of SRC."
        })
public final class MkflashCommand implements Callable<Integer> {
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
            description = "source and target volume names")
    List<PairSpec> pairs;

    @Option(
            names = {"--nocp", "-nocp"},
            description = "no background copy: grains are copied only when written")
    boolean nocopy;

    @Option(
            names = {"--persist", "-persist"},
            description = "keep the relationship when the copy completes")
    boolean persist;

    @Option(
            names = {"--record", "-record"},
            description = "record changed grains on both sides, for resyncflash and reverseflash (implies --persist)")
    boolean record;

    @Option(
            names = {"--tgtinhibit", "-tgtinhibit"},
            description = "host writes to the target fail (EPERM) while the relationship exists")
    boolean tgtinhibit;

    @Option(
            names = {"--seqnum", "-seqnum"},
            paramLabel = "N",
            converter = Converters.Seqnum.class,
            description = "a sequence number for the pairs, hexadecimal 0 to FFFFFFFF")
    Long seqnum;

    @Option(
            names = "--grain",
            paramLabel = "SIZE",
            converter = Converters.Size.class,
            description = "grain size, a power of two from 4K to 1M (default 64K)")
    Long grain;

    @Option(
            names = "--rate",
            paramLabel = "MIB_PER_S",
            description = "background copy rate limit in MiB/s (default: as fast as the disk allows)")
    Integer rate;

    @Option(
            names = {"--extent", "-extent"},
            paramLabel = "SRC_OFFSET:TGT_OFFSET:LENGTH",
            converter = Converters.ExtentForm.class,
            description = "copy only this range of SRC to this place on TGT (repeatable, one pair only; sizes such as"
                    + " 1M, grain-aligned). TGT may be SRC when ranges do not overlap, and may differ in size")
    List<String> extents;

    @Option(
            names = "--on-full",
            paramLabel = "POLICY",
            converter = Converters.OnFullPolicy.class,
            description = "when the target's file system is full:"
                    + " fail (default; the relationship goes to state failed, the source write goes on) or inhibit-source"
                    + " (the source write that needs a copy fails with ENOSPC; the target keeps T0)")
    String onFull;

    @Option(names = "--json", description = "print the new relationships as JSON")
    boolean json;

    @Mixin
    WaitOption waitOption;

    @Override
    public Integer call() throws InterruptedException {
        waitOption.check(!nocopy, "--nocp turns off; drop one of them");
        // Checked here so the message names the option, not the admin API's field.
        if (grain != null
                && (grain < GrainGeometry.MIN_GRAIN || grain > GrainGeometry.MAX_GRAIN || Long.bitCount(grain) != 1)) {
            throw new CommandFailure(
                    ExitCode.USAGE,
                    "--grain " + ByteSize.format(grain) + " (" + grain + " bytes)"
                            + " is not a grain size (expected: a power of two from 4K to 1M: 4K, 8K, ... 64K, ... 1M)");
        }
        if (rate != null && rate < 0) {
            throw new CommandFailure(ExitCode.USAGE, "--rate " + rate + " (expected: MiB/s >= 0; 0 = unlimited)");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("pairs", pairs.stream().map(PairSpec::toString).toList());
        body.put("mode", nocopy ? "nocopy" : "copy");
        body.put("persistent", persist);
        body.put("tgtinhibit", tgtinhibit);
        body.put("record", record);
        if (seqnum != null) {
            body.put("seqnum", seqnum);
        }
        if (grain != null) {
            body.put("grainSize", grain);
        }
        if (rate != null) {
            body.put("rateMiBps", rate);
        }
        if (onFull != null) {
            body.put("onFull", onFull);
        }
        if (extents != null && !extents.isEmpty()) {
            if (pairs.size() != 1) {
                throw new CommandFailure(
                        ExitCode.USAGE,
                        "--extent names ranges of one pair, but " + pairs.size()
                                + " pairs were given; run mkflash once per pair");
            }
            body.put("extents", extents);
        }
        freeze.addTo(body);
        AdminClient client = AdminClient.forDataDir(data.dataDir());
        JsonNode made = client.post("/v1/relationships", body).path("relationships");
        var out = spec.commandLine().getOut();
        if (json) {
            JsonOutput.print(out, made);
        } else {
            for (JsonNode r : made) {
                out.println("FlashCopy pair " + r.path("source").asText() + ":"
                        + r.path("target").asText()
                        + " successfully created (" + r.path("mode").asText() + ", T0 "
                        + r.path("establishedAt").asText() + ")");
            }
            if (!freeze.describe().isEmpty()) {
                out.println(freeze.describe());
            }
            out.flush();
        }
        waitOption.follow(client, made, out, json);
        return ExitCode.OK.code();
    }
}
