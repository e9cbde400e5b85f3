package dev.flashcopy.engine.volume;

import java.nio.file.Path;

/**
 * Explains a size the file system refused (EFBIG) by the largest one it takes, so {@code mkvol} can say what
 * would fit instead of passing on an errno. Stateless.
 */
final class FileSizeLimit {
    private FileSizeLimit() {}

    /** The user's error for {@code size} bytes refused for {@code file} (new and empty) at {@code path}. */
    static IllegalArgumentException refusal(DiskFile file, Path path, long size) {
        long limit = largestLength(file, size);
        return new IllegalArgumentException("size: " + size + " bytes (" + ByteCount.binary(size) + ") is more than the"
                + " file system of " + path.toAbsolutePath().getParent() + " holds in one file (expected: at"
                + " most " + limit + " bytes, " + ByteCount.exact(limit) + ")");
    }

    /**
     * The largest length the file system lets {@code file} have, found by halving between 0 and {@code refused}
     * (which it refused with EFBIG): about 45 ftruncates of an empty sparse file, only when a create failed.
     */
    private static long largestLength(DiskFile file, long refused) {
        long ok = 0;
        long no = refused;
        while (no - ok > 1) {
            long mid = ok + (no - ok) / 2;
            if (file.ftruncate(mid) == 0) {
                ok = mid;
            } else {
                no = mid;
            }
        }
        return ok;
    }
}
