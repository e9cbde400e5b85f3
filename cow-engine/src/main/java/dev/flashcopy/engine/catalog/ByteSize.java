package dev.flashcopy.engine.catalog;

import java.util.Locale;

/** Sizes as admins write them: a number with an optional binary suffix K, M, G, T, P (x1024). */
public final class ByteSize {
    private static final String SUFFIXES = "KMGTP";

    private ByteSize() {
    }

    /** Parses "512", "64K", "10G", "1T" (also "10GiB", "10g"); throws with the expected form. */
    public static long parse(String text) {
        String s = text == null ? "" : text.trim().toUpperCase(Locale.ROOT);
        if (s.endsWith("IB")) {
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("B") && s.length() > 1 && SUFFIXES.indexOf(s.charAt(s.length() - 2)) >= 0) {
            s = s.substring(0, s.length() - 1);
        }
        int shift = 0;
        if (!s.isEmpty() && SUFFIXES.indexOf(s.charAt(s.length() - 1)) >= 0) {
            shift = 10 * (SUFFIXES.indexOf(s.charAt(s.length() - 1)) + 1);
            s = s.substring(0, s.length() - 1);
        }
        try {
            long n = Long.parseLong(s);
            if (n < 0 || (shift > 0 && n > (Long.MAX_VALUE >> shift))) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size '" + text + "' is not valid (expected: a whole number of bytes"
                    + " with an optional suffix K, M, G, T or P, e.g. 10G)");
        }
    }

    /** "1 GiB", "512 MiB", "1.5 TiB", "4096 B": the largest unit that gives at least 1. */
    public static String format(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return (v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.1f", v)) + " " + units[u];
    }
}
