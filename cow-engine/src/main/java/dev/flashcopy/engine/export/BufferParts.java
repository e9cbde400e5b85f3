package dev.flashcopy.engine.export;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of a gathered write (several buffers written as one) that one part of it carries when extent
 * relationships split the request at their ranges' edges. Stateless.
 */
final class BufferParts {
    private BufferParts() {}

    /** The bytes the buffers hold from their positions to their limits. */
    static long total(ByteBuffer[] srcs) {
        long length = 0;
        for (ByteBuffer src : srcs) {
            length += src.remaining();
        }
        return length;
    }

    /** The buffers' bytes {@code [from, from + length)}, as duplicates (the originals keep their positions). */
    static ByteBuffer[] part(ByteBuffer[] srcs, long from, long length) {
        List<ByteBuffer> out = new ArrayList<>();
        long skip = from;
        long left = length;
        for (ByteBuffer src : srcs) {
            int n = src.remaining();
            if (skip >= n) {
                skip -= n;
                continue;
            }
            int take = (int) Math.min(n - skip, left);
            out.add(src.duplicate().position(src.position() + (int) skip).limit(src.position() + (int) skip + take));
            left -= take;
            skip = 0;
            if (left == 0) {
                break;
            }
        }
        return out.toArray(ByteBuffer[]::new);
    }
}
