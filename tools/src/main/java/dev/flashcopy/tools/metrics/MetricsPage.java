package dev.flashcopy.tools.metrics;

import dev.flashcopy.engine.journal.Journal;
import dev.flashcopy.engine.monitor.FlashMonitor;
import dev.flashcopy.engine.monitor.RelationshipStats;
import dev.flashcopy.nbd.protocol.NbdCommand;
import dev.flashcopy.nbd.protocol.NbdError;
import dev.flashcopy.tools.metrics.PrometheusText.Type;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The whole {@code /metrics} page, read from the counters at scrape time: NBD requests per export,
 * FlashCopy copy-on-write and background copy per relationship, and the journal. Every export that has
 * had a connection shows every command and error, zeros included, so series do not appear out of
 * nowhere. Thread-safe: it only reads thread-safe counters.
 */
public final class MetricsPage {
    private static final NbdCommand[] COMMANDS = NbdCommand.values();

    private final NbdMetrics nbd;
    private final FlashMonitor flash;

    public MetricsPage(NbdMetrics nbd, FlashMonitor flash) {
        this.nbd = nbd;
        this.flash = flash;
    }

    public String render() {
        PrometheusText text = new PrometheusText();
        Map<String, ExportCounters> exports = nbd.exports();
        writeRequests(text, exports);
        writeRelationships(text, flash.relationships());
        writeJournal(text, flash.journal());
        return text.toString();
    }

    private static void writeRequests(PrometheusText text, Map<String, ExportCounters> exports) {
        text.family("flashcopy_nbd_requests_total", Type.COUNTER, "NBD requests finished, by export and command.");
        exports.forEach((name, c) -> {
            for (NbdCommand command : COMMANDS) {
                text.sample(
                        "flashcopy_nbd_requests_total",
                        c.requests(command),
                        "export",
                        name,
                        "command",
                        command.name().toLowerCase(Locale.ROOT));
            }
            text.sample("flashcopy_nbd_requests_total", c.requests(null), "export", name, "command", "unknown");
        });
        text.family("flashcopy_nbd_read_bytes_total", Type.COUNTER, "Bytes returned by successful NBD reads.");
        exports.forEach((name, c) -> text.sample("flashcopy_nbd_read_bytes_total", c.bytesRead(), "export", name));
        text.family("flashcopy_nbd_written_bytes_total", Type.COUNTER, "Bytes taken by successful NBD writes.");
        exports.forEach(
                (name, c) -> text.sample("flashcopy_nbd_written_bytes_total", c.bytesWritten(), "export", name));
        text.family("flashcopy_nbd_errors_total", Type.COUNTER, "NBD requests answered with an error, by error.");
        exports.forEach((name, c) -> {
            for (NbdError error : NbdError.values()) {
                text.sample("flashcopy_nbd_errors_total", c.errors(error), "export", name, "error", error.name());
            }
        });
        String h = "flashcopy_nbd_request_duration_seconds";
        text.family(h, Type.HISTOGRAM, "From request decoded to reply built, in seconds.");
        exports.forEach((name, c) -> histogram(text, h, c.latency(), "export", name));
        String loop = "flashcopy_nbd_loop_hold_seconds";
        text.family(
                loop,
                Type.HISTOGRAM,
                "How long a read or write tried on the event loop held it (the loop's other connections waited),"
                        + " in seconds.");
        exports.forEach((name, c) -> {
            histogram(text, loop, c.loopHolds(false), "export", name, "command", "read");
            histogram(text, loop, c.loopHolds(true), "export", name, "command", "write");
        });
    }

    private static void histogram(PrometheusText text, String family, LatencyHistogram histogram, String... labels) {
        long[] cumulative = histogram.cumulative();
        String[] withLe = Arrays.copyOf(labels, labels.length + 2);
        withLe[labels.length] = "le";
        for (int i = 0; i < cumulative.length; i++) {
            withLe[labels.length + 1] =
                    i < cumulative.length - 1 ? PrometheusText.format(histogram.boundSeconds(i)) : "+Inf";
            text.sample(family + "_bucket", cumulative[i], withLe);
        }
        text.sample(family + "_sum", histogram.sumSeconds(), labels);
        text.sample(family + "_count", cumulative[cumulative.length - 1], labels);
    }

    private static void writeRelationships(PrometheusText text, List<RelationshipStats> rels) {
        text.family(
                "flashcopy_cow_grain_copies_total",
                Type.COUNTER,
                "Grains copied into a target because a host write needed them first (since establish or resync).");
        rels.forEach(r -> text.sample("flashcopy_cow_grain_copies_total", r.cowGrainCopies(), pair(r)));
        text.family(
                "flashcopy_background_copy_bytes_total",
                Type.COUNTER,
                "Data bytes the background copier copied into a target (holes not counted;"
                        + " since establish or resync).");
        rels.forEach(r -> text.sample("flashcopy_background_copy_bytes_total", r.backgroundCopiedBytes(), pair(r)));
        text.family("flashcopy_grains_remaining", Type.GAUGE, "Grains a target still has to copy (out of sync).");
        rels.forEach(r -> text.sample("flashcopy_grains_remaining", r.outOfSyncGrains(), pair(r)));
        text.family("flashcopy_grains", Type.GAUGE, "Grains of a relationship in all.");
        rels.forEach(r -> text.sample("flashcopy_grains", r.totalGrains(), pair(r)));
        text.family("flashcopy_grain_size_bytes", Type.GAUGE, "Grain size of a relationship.");
        rels.forEach(r -> text.sample("flashcopy_grain_size_bytes", r.grainSize(), pair(r)));
    }

    private static String[] pair(RelationshipStats r) {
        return new String[] {"source", r.source(), "target", r.target()};
    }

    private static void writeJournal(PrometheusText text, Journal.Stats j) {
        text.family(
                "flashcopy_journal_commits_total",
                Type.COUNTER,
                "Journal group commits; records / commits is the mean batch size.");
        text.sample("flashcopy_journal_commits_total", j.commits());
        text.family("flashcopy_journal_records_total", Type.COUNTER, "Journal records made durable by group commits.");
        text.sample("flashcopy_journal_records_total", j.committedRecords());
        text.family(
                "flashcopy_journal_fsyncs_total",
                Type.COUNTER,
                "fsyncs of the journal file (commits and checkpoints).");
        text.sample("flashcopy_journal_fsyncs_total", j.journalFsyncs());
        text.family(
                "flashcopy_journal_image_syncs_total",
                Type.COUNTER,
                "fdatasyncs of target images that must precede a journal commit.");
        text.sample("flashcopy_journal_image_syncs_total", j.imageSyncs());
    }
}
