package dev.flashcopy.engine.image;

import dev.flashcopy.engine.device.BlockIoException;
import java.nio.ByteBuffer;

/** A copy between two images through user memory, for stores with no copy of their own between them. Stateless. */
public final class BufferCopy {
    private BufferCopy() {}

    /** Copies {@code length} bytes at {@code offset} of {@code from} to {@code destOffset} of {@code dest}. */
    public static void copy(
            VolumeImage from, long offset, VolumeImage dest, long destOffset, long length, ByteBuffer buffer)
            throws BlockIoException {
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(buffer.capacity(), length - done);
            buffer.clear().limit(n);
            from.read(offset + done, buffer);
            buffer.flip();
            dest.write(destOffset + done, buffer);
            done += n;
        }
    }
}
