package dev.flashcopy.engine.bitmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Grain arithmetic and the bitmap's queries, serialization and validation. */
class GrainBitmapTest {
    @Test
    void geometryHasPartialLastGrain() {
        GrainGeometry g = new GrainGeometry(4096, 3 * 4096 + 512);
        assertEquals(4, g.grains());
        assertEquals(3 * 4096 + 512, g.end(3));
        assertTrue(g.covers(3 * 4096, 512, 3));
        assertFalse(g.covers(3 * 4096, 511, 3));
    }

    @Test
    void grainSizeMessageNamesValueAndExpectation() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> GrainGeometry.checkGrainSize(3000));
        assertEquals("grainSize: 3000 (expected: power of two in [4096, 1048576])", e.getMessage());
    }

    @Test
    void sixteenTebibytesAtFourKibibyteGrainsFits() {
        GrainGeometry g = new GrainGeometry(4096, 16L << 40);
        assertEquals(1L << 32, g.grains());
        GrainBitmap b = GrainBitmap.allSet(g.grains());
        assertEquals(1L << 32, b.count());
        assertTrue(b.isSet((1L << 32) - 1));
        b.clear((1L << 32) - 2, 1L << 32);
        assertEquals((1L << 32) - 2, b.nextClear(0));
        assertThrows(IllegalArgumentException.class, () -> new GrainGeometry(4096, (16L << 40) + 4096));
    }

    @Test
    void queriesAndClears() {
        GrainBitmap b = GrainBitmap.allSet(1000);
        assertEquals(5, b.clear(10, 15));
        assertEquals(0, b.clear(10, 15));
        assertEquals(15, b.nextSet(10));
        assertEquals(10, b.nextClear(0));
        assertFalse(b.anySet(10, 15));
        assertTrue(b.anySet(10, 16));
        GrainBitmap diff = GrainBitmap.andNot(GrainBitmap.allSet(1000), b);
        assertEquals(5, diff.count());
        assertEquals(-1, GrainBitmap.empty(5).nextSet(0));
    }

    @Test
    void serializationRoundTripsAndValidates() throws IOException {
        GrainBitmap b = GrainBitmap.allSet(70_000);
        b.clear(100, 200);
        GrainBitmap back = GrainBitmap.deserialize(b.serialize(), 70_000);
        assertEquals(b.count(), back.count());
        assertThrows(IOException.class, () -> GrainBitmap.deserialize(b.serialize(), 1000), "grain past the end");
        assertThrows(IOException.class, () -> GrainBitmap.deserialize(new byte[] {1, 2, 3, 4, 5}, 70_000));
    }
}
