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
}
