package dev.flashcopy.engine.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.flashcopy.engine.bitmap.GrainBitmap;
import java.io.IOException;

/** Bitmap bytes from a checkpoint: rejected with an IOException, or a bitmap that is exactly what the bytes say. */
class BitmapFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void corruptBitmapBytesAreRejectedOrRoundTrip(FuzzedDataProvider in) {
        long grains = in.consumeLong(1, 1L << 32);
        byte[] bytes = in.consumeRemainingAsBytes();
        GrainBitmap bitmap;
        try {
            bitmap = GrainBitmap.deserialize(bytes, grains);
        } catch (IOException rejected) {
            return;
        }
        assertTrue(bitmap.count() <= grains, bitmap + " over " + grains + " grains");
        assertArrayEquals(bytes, bitmap.serialize(), "accepted bytes must be the bitmap's own serialized form");
    }
}
