package dev.flashcopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.tools.client.AdminCallException;
import dev.flashcopy.tools.client.AdminClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * Follows one relationship's background copy until nothing is left to copy or the relationship
 * is gone, showing percent, MiB/s and ETA: a bar redrawn in place on a terminal, a plain line every
 * few seconds otherwise (logs, CI). Used by {@code wait} and {@code rmflash --cp}. Not thread-safe.
 */
final class CopyProgress {
    private static final long POLL_MS = 250;
    private static final long PLAIN_EVERY_MS = 5_000;
    private static final int BAR = 30;

    /** How the follow ended; a withdrawn or failed relationship is a {@link CommandFailure} instead. */
    enum Outcome {
        /** Nothing left to copy; the relationship is still there (persistent) or ends now. */
        COPIED,
        /** The relationship is gone, and the server says its copy had completed (the message is printed). */
        GONE,
        TIMED_OUT
    }

    private final AdminClient client;
    private final PrintWriter out;
    private final boolean terminal;
    private JsonNode last;

    CopyProgress(AdminClient client, PrintWriter out, boolean terminal) {
        this.client = client;
        this.out = out;
        this.terminal = terminal;
    }

    /**
     * Polls until the copy completes, the relationship ends, or {@code timeout} (null: none) passes. A
     * relationship that goes to {@code failed} meanwhile is a {@link CommandFailure} ({@link ExitCode#FAILED})
     * naming the reason; one that is gone is looked up in the server's endings: completed is {@link
     * Outcome#GONE}, withdrawn before 100 % {@link ExitCode#WITHDRAWN}, failed {@link ExitCode#FAILED}, and
     * reversed (the pair runs the other way now) or no ending known {@link ExitCode#REFUSED}.
     */
    Outcome follow(PairSpec pair, Duration timeout) throws InterruptedException {
        long start = System.nanoTime();
        long lastPlain = 0;
        while (true) {
            JsonNode rel = current(pair);
            if (rel != null) {
                last = rel;
            }
            long now = System.nanoTime();
            if (rel == null) {
                finish();
                ended(pair);
                return Outcome.GONE;
            }
            if ("failed".equals(rel.path("state").asText())) {
                finish();
                throw new CommandFailure(
                        ExitCode.FAILED,
                        pair + " failed: " + rel.path("failedReason").asText()
                                + "; the copy will not complete and the target holds no point in time (rmflash " + pair
                                + ")");
            }
            long left = rel.path("outOfSyncGrains").asLong();
            if (left == 0) {
                show(rel, true);
                finish();
                return Outcome.COPIED;
            }
            if (terminal) {
                show(rel, false);
            } else if (lastPlain == 0 || (now - lastPlain) / 1_000_000 >= PLAIN_EVERY_MS) {
                show(rel, false);
                lastPlain = now;
            }
            if (timeout != null && now - start > timeout.toNanos()) {
                finish();
                return Outcome.TIMED_OUT;
            }
            Thread.sleep(POLL_MS);
        }
    }

    /** The relationship as last seen while following it, or null when it was never seen. */
    JsonNode lastSeen() {
        return last;
    }

    /**
     * The pair is gone: says how it ended, from the server's record of recent endings (the newest of the
     * pair), printing a completed one and throwing for the others.
     */
    private void ended(PairSpec pair) {
        JsonNode endings = client.get("/v1/endings/" + pair).path("endings");
        if (endings.isEmpty()) {
            throw new CommandFailure(
                    ExitCode.REFUSED,
                    "no relationship " + pair + ", and the server knows of none"
                            + " that ended in the last 24 hours (see lsflash)");
        }
        JsonNode e = endings.get(endings.size() - 1);
        String when = pair + " ended at " + e.path("at").asText() + ": ";
        switch (e.path("ending").asText()) {
            case "completed" -> {
                out.println(when + "copy complete (" + e.path("reason").asText() + ")");
                out.flush();
            }
            case "withdrawn" ->
                throw new CommandFailure(
                        ExitCode.WITHDRAWN,
                        when + "withdrawn before its copy" + " completed ("
                                + e.path("reason").asText() + "); the target is not a full copy");
            case "failed" ->
                throw new CommandFailure(
                        ExitCode.FAILED,
                        when + "failed: " + e.path("reason").asText() + "; the target holds no point in time");
            case "reversed" ->
                throw new CommandFailure(
                        ExitCode.REFUSED,
                        when + e.path("reason").asText() + " (wait " + pair.target() + ":" + pair.source()
                                + " for its copy back)");
            default ->
                throw new CommandFailure(
                        ExitCode.UNEXPECTED,
                        when + "ending '" + e.path("ending").asText()
                                + "' is not one this flashcopy knows (expected: completed, withdrawn, failed or reversed)");
        }
    }

    /** The relationship now, or null once it has ended (a non-persistent copy ends itself at 100 %). */
    JsonNode current(PairSpec pair) {
        try {
            JsonNode rels = client.get("/v1/relationships/" + pair).path("relationships");
            return rels.isEmpty() ? null : rels.get(0);
        } catch (AdminCallException e) {
            if (e.status() == 404) {
                return null;
            }
            throw e;
        }
    }

    private void show(JsonNode rel, boolean done) {
        double pct = done ? 100 : rel.path("copiedPercent").asDouble();
        double rate = rel.path("copyRateMiBps").asDouble();
        long leftBytes =
                rel.path("outOfSyncGrains").asLong() * rel.path("grainSize").asLong();
        String eta = rate > 0 ? formatEta(leftBytes / (rate * 1024 * 1024)) : "--";
        String text = String.format(
                Locale.ROOT,
                "%s:%s %6.2f %% %8.1f MiB/s  ETA %s",
                rel.path("source").asText(),
                rel.path("target").asText(),
                pct,
                rate,
                eta);
        if (terminal) {
            int filled = (int) Math.round(pct / 100 * BAR);
            out.print("\r[" + "#".repeat(filled) + " ".repeat(BAR - filled) + "] " + text + "  ");
        } else {
            out.println(text);
        }
        out.flush();
    }

    private void finish() {
        if (terminal) {
            out.println();
            out.flush();
        }
    }

    static String formatEta(double seconds) {
        long s = (long) Math.ceil(seconds);
        return s >= 3600
                ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
