package dev.flashcopy.engine.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import org.junit.jupiter.api.Test;

/** Sizes as the CLI and the admin API read them. */
class ByteSizeTest {
    @Test
    void binarySuffixesInEitherSpellingMultiplyBy1024() {
        assertEquals(512, ByteSize.parse("512"));
        assertEquals(64 << 10, ByteSize.parse("64K"));
        assertEquals(10L << 30, ByteSize.parse("10G"));
        assertEquals(10L << 30, ByteSize.parse("10GiB"));
        assertEquals(10L << 30, ByteSize.parse("10gib"));
        assertEquals(1L << 40, ByteSize.parse("1T"));
        assertEquals(3L << 20, ByteSize.parse("3MiB"));
    }

    @Test
    void decimalUnitsAreRefusedNamingTheBinarySpelling() {
        for (String unit : new String[] {"KB", "MB", "GB", "TB", "PB", "gb"}) {
            String m = assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("10" + unit))
                    .getMessage();
            String u = unit.substring(0, 1).toUpperCase(Locale.ROOT);
            assertTrue(m.contains("10" + u + "iB") && m.contains("10" + u + " "), m);
        }
    }

    @Test
    void aNumberTooLargeSaysTooLargeNotInvalid() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("99999999999999999999"))
                .getMessage()
                .contains("too large"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("9000000P"))
                .getMessage()
                .contains("too large"));
    }

    @Test
    void malformedSizesAreNotValid() {
        for (String bad : new String[] {"", "G", "-1", "1.5G", "10X", "iB", "10B", "+5", "1 0"}) {
            String m = assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(bad))
                    .getMessage();
            assertTrue(m.contains("is not valid"), bad + ": " + m);
        }
    }
}
