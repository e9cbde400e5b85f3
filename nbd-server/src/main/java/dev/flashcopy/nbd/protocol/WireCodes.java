package dev.flashcopy.nbd.protocol;

import java.util.Arrays;
import java.util.function.ToIntFunction;

/** Dense lookup tables from small wire numbers to enum constants, shared by the enums here. */
final class WireCodes {
    private WireCodes() {}

    static <E extends Enum<E>> E[] index(E[] values, ToIntFunction<E> code) {
        int max = 0;
        for (E value : values) {
            max = Math.max(max, code.applyAsInt(value));
        }
        E[] table = Arrays.copyOf(values, max + 1);
        Arrays.fill(table, null);
        for (E value : values) {
            table[code.applyAsInt(value)] = value;
        }
        return table;
    }

    static <E> E lookup(E[] table, int code) {
        return code >= 0 && code < table.length ? table[code] : null;
    }

    static <E> E require(E[] table, int code, String what) {
        E value = lookup(table, code);
        if (value == null) {
            throw new IllegalArgumentException(
                    what + ": " + Integer.toUnsignedString(code) + " (expected: a code defined by the NBD spec)");
        }
        return value;
    }
}
