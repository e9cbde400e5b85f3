package dev.flashcopy.engine.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.HeldFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A volume lending its image for sends: only cached ranges, only real files, never a closed descriptor. */
class ImageChannelTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private static byte[] pattern(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static byte[] readChannel(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer dst = ByteBuffer.allocate(length);
        while (dst.hasRemaining() && channel.read(dst, position + dst.position()) >= 0) {
            continue;
        }
        return dst.array();
    }

    private Volume volume(byte[] data, long at) throws Exception {
        Volume v = new Volume("v", ImageFile.create(dir.resolve("v.img"), 4 * MIB), false);
        v.write(at, ByteBuffer.wrap(data), false);
        return v;
    }

    @Test
    void cachedRangeIsLentAsTheImageItself() throws Exception {
        byte[] data = pattern(MIB, 1);
        try (Volume v = volume(data, MIB)) {
            HeldFile held = v.fileHolding(MIB, MIB);
            assertNotNull(held, "a range just written is in the page cache");
            assertArrayEquals(data, readChannel(held.channel(), MIB, MIB));
            held.release();
        }
    }

    @Test
    void rangeNotInThePageCacheIsNotLentUntilReadOnce() throws Exception {
        byte[] data = pattern(MIB, 2);
        try (Volume v = volume(data, 0)) {
            v.flush();
            assertEquals(0, Posix.fadvise(((ImageFile) v.image()).fd, 0, MIB, Posix.POSIX_FADV_DONTNEED));
            assertNull(v.fileHolding(0, MIB), "sending it would wait on the disk");
            v.read(0, ByteBuffer.allocateDirect(MIB));
            HeldFile held = v.fileHolding(0, MIB);
            assertNotNull(held, "the read brought it into the cache");
            held.release();
        }
    }

    @Test
    void closedVolumeKeepsTheChannelOpenUntilTheLastHoldIsReleased() throws Exception {
        byte[] data = pattern(64 << 10, 3);
        Volume v = volume(data, 0);
        HeldFile first = v.fileHolding(0, data.length);
        HeldFile second = v.fileHolding(0, data.length);
        FileChannel channel = first.channel();
        v.close();
        assertNull(v.fileHolding(0, data.length), "a closed volume lends nothing new");
        assertTrue(channel.isOpen(), "sends under way keep their descriptor");
        first.release();
        assertArrayEquals(data, readChannel(second.channel(), 0, data.length));
        second.release();
        assertFalse(channel.isOpen(), "the last release closes it");
    }

    @Test
    void imageOnASimulatedDiskIsNeverLent() throws Exception {
        SimulatedDisk disk = new SimulatedDisk(7);
        Path path = dir.resolve("sim.img");
        try (Volume v = new Volume("sim", ImageFile.create(disk, path, MIB), false)) {
            v.write(0, ByteBuffer.wrap(pattern(4096, 4)), false);
            assertNull(v.fileHolding(0, 4096));
        }
    }
}
