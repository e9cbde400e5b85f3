package dev.flashcopy.engine.volume;

import java.util.Locale;

/** Byte counts as people read them, for messages. Stateless. */
public final class ByteCount {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private ByteCount() {}

    /** "1 GiB", "512 MiB", "15.9 TiB", "4096 B": the largest binary unit that gives at least 1. */
    public static String binary(long bytes) {
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < UNITS.length - 1) {
            v /= 1024;
            u++;
        }
        return (v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.1f", v)) + " " + UNITS[u];
    }

    /**
     * {@code bytes} without rounding, for a limit the user must not overshoot: "16 TiB"; "16 TiB - 4 KiB" where
     * {@link #binary} would say "16.0 TiB", which reads as 16 TiB; else the plain "17592186040321 B".
     */
    public static String exact(long bytes) {
        String rounded = binary(bytes);
        if (!rounded.contains(".")) {
            return rounded;
        }
        if (!rounded.contains(".0 ")) {
            return bytes + " B";
        }
        int u = 0;
        long unit = 1;
        while (u < UNITS.length - 1 && bytes / unit >= 1024) {
            unit <<= 10;
            u++;
        }
        long whole = Math.round((double) bytes / unit);
        long off = bytes - whole * unit;
        String distance = binary(Math.abs(off));
        return distance.contains(".") ? bytes + " B" : whole + " " + UNITS[u] + (off < 0 ? " - " : " + ") + distance;
    }
}
