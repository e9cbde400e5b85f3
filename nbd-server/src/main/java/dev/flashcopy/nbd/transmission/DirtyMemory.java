package dev.flashcopy.nbd.transmission;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether the kernel is far from making writers wait: dirty pages and pages under writeback together below the
 * background writeback threshold ({@code /proc/vmstat}: {@code nr_dirty}, {@code nr_writeback},
 * {@code nr_dirty_background_threshold}). The kernel starts throttling writers only halfway between that
 * threshold and the dirty limit, so below it a buffered write is a copy into the page cache. Needed where the
 * file system cannot say so itself: ext4 refuses {@code RWF_NOWAIT} on buffered writes ({@code EOPNOTSUPP}),
 * which is what this machine's data directory is on. {@code /proc/vmstat} is read at most every
 * {@link #REFRESH_NANOS} (about 20 µs a read) by whichever event loop asks first after that; between reads the
 * last answer stands. Where it cannot be read, or lacks those fields, the answer is false (nothing inline).
 *
 * <p>Thread-safe: the answer and its time are volatile; two loops reading at once only read twice.
 */
final class DirtyMemory {
    /** How old an answer may get before {@code /proc/vmstat} is read again. */
    static final long REFRESH_NANOS = 20_000_000L;

    private static final Path VMSTAT = Path.of("/proc/vmstat");
    private static volatile long readAt = System.nanoTime() - 2 * REFRESH_NANOS;
    private static volatile boolean low;

    private DirtyMemory() {}

    /** True when dirty memory was well below the kernel's thresholds at most {@link #REFRESH_NANOS} ago. */
    static boolean low() {
        long now = System.nanoTime();
        if (now - readAt > REFRESH_NANOS) {
            readAt = now;
            low = lowIn(read());
        }
        return low;
    }

    /** Decides from the text of {@code /proc/vmstat}; false when it lacks a field. */
    static boolean lowIn(String vmstat) {
        long dirty = field(vmstat, "nr_dirty");
        long writeback = field(vmstat, "nr_writeback");
        long background = field(vmstat, "nr_dirty_background_threshold");
        return dirty >= 0 && writeback >= 0 && background > 0 && dirty + writeback < background;
    }

    /** The value of the line {@code name value}, or -1. */
    private static long field(String text, String name) {
        int at = 0;
        while ((at = text.indexOf(name, at)) >= 0) {
            int end = at + name.length();
            if ((at == 0 || text.charAt(at - 1) == '\n') && end < text.length() && text.charAt(end) == ' ') {
                int eol = text.indexOf('\n', end);
                try {
                    return Long.parseLong(text.substring(end + 1, eol < 0 ? text.length() : eol)
                            .trim());
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
            at = end;
        }
        return -1;
    }

    private static String read() {
        try {
            return Files.readString(VMSTAT);
        } catch (IOException | RuntimeException e) {
            return ""; // not Linux, or no /proc: no field, so nothing is written inline
        }
    }
}
