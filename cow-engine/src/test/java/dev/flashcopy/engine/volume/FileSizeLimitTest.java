package dev.flashcopy.engine.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A size the file system refuses is explained by its exact limit, never one rounded up to what was refused. */
class FileSizeLimitTest {
    private static final long EXT4_LIMIT = (16L << 40) - 4096;

    /** A file whose ftruncate fails with EFBIG past {@code limit}, as ext4's with 4 KiB blocks does past 16 TiB - 4 KiB. */
    private static DiskFile fileOfAtMost(long limit) {
        return (DiskFile) Proxy.newProxyInstance(
                DiskFile.class.getClassLoader(), new Class<?>[] {DiskFile.class}, (proxy, method, args) -> {
                    if (method.getName().equals("ftruncate")) {
                        return (long) args[0] <= limit ? 0 : -Posix.EFBIG;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void theLimitJustUnderAUnitIsNotPrintedAsThatUnit() {
        String message = FileSizeLimit.refusal(fileOfAtMost(EXT4_LIMIT), Path.of("/data/volumes/huge.img"), 16L << 40)
                .getMessage();
        assertTrue(message.startsWith("size: 17592186044416 bytes (16 TiB) is more than the file system"), message);
        assertTrue(message.endsWith("(expected: at most 17592186040320 bytes, 16 TiB - 4 KiB)"), message);
    }

    @Test
    void exactSaysTheDistanceToTheNearestWholeUnitOrGivesBytes() {
        assertEquals("16 TiB", ByteCount.exact(16L << 40));
        assertEquals("16 TiB - 4 KiB", ByteCount.exact(EXT4_LIMIT));
        assertEquals("2 GiB + 512 B", ByteCount.exact((2L << 30) + 512));
        assertEquals("1536 B", ByteCount.exact(1536));
        assertEquals("17592186040321 B", ByteCount.exact(EXT4_LIMIT + 1));
    }
}
