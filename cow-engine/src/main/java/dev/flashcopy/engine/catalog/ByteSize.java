package dev.flashcopy.engine.catalog;

import dev.flashcopy.engine.volume.ByteCount;
import java.util.Locale;

/**
 * Sizes as admins write them: a number with an optional binary suffix K, M, G, T, P or KiB ... PiB (x1024).
 * Decimal spellings (KB, MB, GB, TB, PB) are refused, naming the binary one: "10GB" read as 10 GiB would
 * be 7 % more than a reader of SI units expects, read as 10^10 it would surprise everyone else.
 */
public final class ByteSize {
    private static final String SUFFIXES = "KMGTP";
    private static final String EXPECTED = "expected: a whole number of bytes with an optional binary suffix K, M,"
            + " G, T or P, or KiB, MiB, GiB, TiB or PiB, e.g. 10G";

    private ByteSize() {}

    /** Parses "512", "64K", "10G", "1T", "10GiB", "10g"; refuses "10GB"; throws with the expected form. */
    public static long parse(String text) {
        String s = text == null ? "" : text.trim();
        String upper = s.toUpperCase(Locale.ROOT);
        if (upper.endsWith("IB")) {
            upper = upper.substring(0, upper.length() - 2);
            if (upper.isEmpty() || SUFFIXES.indexOf(upper.charAt(upper.length() - 1)) < 0) {
                throw new IllegalArgumentException("size '" + text + "' is not valid (" + EXPECTED + ")");
            }
        } else if (upper.endsWith("B")
                && upper.length() > 1
                && SUFFIXES.indexOf(upper.charAt(upper.length() - 2)) >= 0) {
            String number = s.substring(0, s.length() - 2);
            char unit = upper.charAt(upper.length() - 2);
            throw new IllegalArgumentException("size '" + text + "' uses a decimal unit (" + unit + "B); sizes are"
                    + " binary: write " + number + unit + "iB or " + number + unit + " (x1024)");
        }
        int shift = 0;
        if (!upper.isEmpty() && SUFFIXES.indexOf(upper.charAt(upper.length() - 1)) >= 0) {
            shift = 10 * (SUFFIXES.indexOf(upper.charAt(upper.length() - 1)) + 1);
            upper = upper.substring(0, upper.length() - 1);
        }
        if (upper.isEmpty() || !upper.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("size '" + text + "' is not valid (" + EXPECTED + ")");
        }
        try {
            long n = Long.parseLong(upper);
            if (shift > 0 && n > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "size '" + text + "' is too large (expected: at most " + Long.MAX_VALUE + " bytes, about 8 EiB)");
        }
    }

    /** "1 GiB", "512 MiB", "1.5 TiB", "4096 B": the largest unit that gives at least 1. */
    public static String format(long bytes) {
        return ByteCount.binary(bytes);
    }
}
