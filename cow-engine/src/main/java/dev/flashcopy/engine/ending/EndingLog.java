package dev.flashcopy.engine.ending;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flashcopy.engine.storage.AtomicFile;
import dev.flashcopy.engine.volume.Disk;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code DATA/flash/endings.json}: how the recent relationships ended (completed, withdrawn, failed, reversed), the
 * last {@value #MAX_ENTRIES} of them within {@link #KEEP}, oldest first, replaced atomically. A {@code wait}
 * that finds its pair gone reads the ending here, also after a restart. An ending is written after the
 * catalog stopped naming the relationship: a crash in between loses the ending (the pair reads as "ended,
 * how is not known"), never records one for a relationship still live.
 *
 * <p>Thread-safe: every method takes the instance lock.
 */
public final class EndingLog {
    public static final String FILE_NAME = "endings.json";
    public static final int MAX_ENTRIES = 1000;
    static final Duration KEEP = Duration.ofHours(24);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One entry as stored: plain strings, so the file needs no date module to read. */
    private record Stored(long id, String source, String target, String ending, String reason, String at) {}

    private final Disk disk;
    private final Path file;
    private final Clock clock;
    private final ArrayDeque<RelationshipEnding> entries;

    private EndingLog(Disk disk, Path file, Clock clock, ArrayDeque<RelationshipEnding> entries) {
        this.disk = disk;
        this.file = file;
        this.clock = clock;
        this.entries = entries;
    }

    /**
     * Reads the log (checksummed as every metadata file, see {@link AtomicFile#readChecked}); an unreadable or
     * damaged one is set aside as {@code endings.json.unreadable} and started afresh,
     * since it only explains relationships that are gone anyway: a lost ending makes {@code wait} say "not
     * known", never a wrong answer. Returns the log and, in {@code report}, a line when it set one aside.
     */
    public static EndingLog open(Disk disk, Path flashDir, Clock clock, List<String> report) throws IOException {
        Path file = flashDir.resolve(FILE_NAME);
        ArrayDeque<RelationshipEnding> entries = new ArrayDeque<>();
        if (disk.exists(file)) {
            try {
                for (Stored s : JSON.readValue(
                        AtomicFile.readChecked(disk, file, false), new TypeReference<List<Stored>>() {})) {
                    entries.add(new RelationshipEnding(
                            s.id(),
                            s.source(),
                            s.target(),
                            RelationshipEnding.Kind.of(s.ending()),
                            s.reason(),
                            Instant.parse(s.at())));
                }
            } catch (IOException | RuntimeException e) {
                entries.clear();
                disk.rename(file, flashDir.resolve(FILE_NAME + ".unreadable"));
                report.add("endings: " + file + " was unreadable (" + e.getMessage() + "); set aside as " + FILE_NAME
                        + ".unreadable, so wait cannot say how relationships ended before this start");
            }
        }
        return new EndingLog(disk, file, clock, entries);
    }

    /** Records that {@code id} ({@code source:target}) ended, and how. */
    public synchronized void record(long id, String source, String target, RelationshipEnding.Kind kind, String reason)
            throws IOException {
        entries.addLast(new RelationshipEnding(id, source, target, kind, reason, clock.instant()));
        trim();
        List<Stored> stored = new ArrayList<>(entries.size());
        for (RelationshipEnding e : entries) {
            stored.add(new Stored(e.id(), e.source(), e.target(), e.kind().label(), e.reason(), e.at().toString()));
        }
        // Durability: the catalog without this relationship is durable already; the ending follows it, so a
        // wait after a restart knows how the pair ended.
        AtomicFile.replaceChecked(disk, file, JSON.writeValueAsBytes(stored));
    }

    /** The endings of {@code source:target}, oldest first (several when the pair was made again). */
    public synchronized List<RelationshipEnding> of(String source, String target) {
        trim();
        return entries.stream()
                .filter(e -> e.source().equals(source) && e.target().equals(target))
                .toList();
    }

    /** Every ending kept, oldest first. */
    public synchronized List<RelationshipEnding> all() {
        trim();
        return List.copyOf(entries);
    }

    private void trim() {
        Instant oldest = clock.instant().minus(KEEP);
        while (!entries.isEmpty()
                && (entries.size() > MAX_ENTRIES || entries.peekFirst().at().isBefore(oldest))) {
            entries.removeFirst();
        }
    }
}
