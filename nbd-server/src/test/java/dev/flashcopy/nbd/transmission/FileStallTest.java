package dev.flashcopy.nbd.transmission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The stall breaker: a quick write changes nothing; a stall backs off, longer while stalls follow each other. */
class FileStallTest {
    private static final long MS = 1_000_000L;

    @Test
    void quickWritesNeverTripIt() {
        FileStall s = FileStall.of(new Object());
        long now = System.nanoTime();
        s.held(FileStall.STALL_NANOS, now);
        assertTrue(s.allows(now));
    }

    @Test
    void aStallBacksOffAndStallsInARowDoubleTheBackoffUpToTheLongest() {
        FileStall s = FileStall.of(new Object());
        long now = System.nanoTime() + 10_000 * MS; // long after the breaker was made
        s.held(20 * MS, now);
        assertEquals(FileStall.BASE_BACKOFF_NANOS, s.backoffNanos());
        assertFalse(s.allows(now + FileStall.BASE_BACKOFF_NANOS - 1));
        assertTrue(s.allows(now + FileStall.BASE_BACKOFF_NANOS));
        long t = now + FileStall.BASE_BACKOFF_NANOS;
        long expected = FileStall.BASE_BACKOFF_NANOS;
        for (int i = 0; i < 12; i++) {
            s.held(20 * MS, t); // stalls again as soon as it is let back
            expected = Math.min(2 * expected, FileStall.MAX_BACKOFF_NANOS);
            assertEquals(expected, s.backoffNanos(), "stall " + (i + 2));
            t += expected;
        }
        s.held(20 * MS, t + 3 * FileStall.MAX_BACKOFF_NANOS); // a lone stall much later
        assertEquals(FileStall.BASE_BACKOFF_NANOS, s.backoffNanos());
    }

    @Test
    void oneLoopAtATimeWritesAFileInline() {
        FileStall s = FileStall.of(new Object());
        assertTrue(s.enter());
        assertFalse(s.enter(), "a second writer would queue on the file's inode lock");
        s.exit();
        assertTrue(s.enter());
    }
}
