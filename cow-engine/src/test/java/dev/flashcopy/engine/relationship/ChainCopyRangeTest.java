package dev.flashcopy.engine.relationship;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.image.StoreKind;
import dev.flashcopy.engine.image.VolumeImage;
import dev.flashcopy.engine.volume.Volume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The background copy's range copy ({@link ChainCopy#copyRange}) over every pair of stores: it follows the holder's
 * allocation map, copies its data and punches its holes into the target, which held other bytes before, so after
 * it the target reads exactly as the holder, at the same offsets and at an extent's other offsets.
 */
class ChainCopyRangeTest {
    private static final int MIB = 1 << 20;
    private static final long SIZE = 16L * MIB;

    static Stream<Arguments> storePairs() {
        return Stream.of(StoreKind.values())
                .flatMap(from -> Stream.of(StoreKind.values()).map(to -> Arguments.of(from, to)));
    }

    private static byte[] random(int length, long seed) {
        byte[] bytes = new byte[length];
        new SplittableRandom(seed).nextBytes(bytes);
        return bytes;
    }

    private static byte[] read(VolumeImage image, long offset, int length) throws BlockIoException {
        ByteBuffer b = ByteBuffer.allocateDirect(length);
        image.read(offset, b);
        byte[] out = new byte[length];
        b.flip().get(out);
        return out;
    }

    @ParameterizedTest
    @MethodSource("storePairs")
    void targetReadsAsTheHolderWithItsHolesPunched(StoreKind from, StoreKind to) throws IOException {
        try (StoreKind.Images sources = from.images();
                StoreKind.Images targets = to.images()) {
            VolumeImage holderImage = sources.create(SIZE);
            VolumeImage destImage = targets.create(SIZE);
            holderImage.write(
                    MIB,
                    ByteBuffer.allocateDirect(64 * 1024)
                            .put(random(64 * 1024, 1))
                            .flip());
            holderImage.write(
                    6 * MIB,
                    ByteBuffer.allocateDirect(4096).put(random(4096, 2)).flip());
            // Old bytes everywhere on the target: every hole of the holder must be punched over them.
            destImage.write(
                    0,
                    ByteBuffer.allocateDirect((int) SIZE)
                            .put(random((int) SIZE, 3))
                            .flip());
            Volume holder = new Volume("holder", holderImage, false);
            Volume dest = new Volume("dest", destImage, false);
            ByteBuffer buffer = ByteBuffer.allocateDirect(MIB);

            long data = ChainCopy.copyRange(holder, dest, 0, 8 * MIB, buffer);
            assertArrayEquals(read(holderImage, 0, 8 * MIB), read(destImage, 0, 8 * MIB));
            // What was written, at most the two 4 MiB RBD objects holding it.
            assertTrue(data >= 68 * 1024 && data <= 8 * MIB, "data bytes " + data);

            ChainCopy.copyRange(holder, dest, 0, 8 * MIB, 8 * MIB, buffer);
            assertArrayEquals(read(holderImage, 0, 8 * MIB), read(destImage, 8 * MIB, 8 * MIB), "an extent's offsets");
        }
    }
}
