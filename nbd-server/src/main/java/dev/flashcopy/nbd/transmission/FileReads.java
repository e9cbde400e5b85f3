package dev.flashcopy.nbd.transmission;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.FileRangeDevice;
import dev.flashcopy.engine.device.HeldFile;
import dev.flashcopy.engine.tuning.Tunables;
import dev.flashcopy.nbd.protocol.NbdWire;
import dev.flashcopy.nbd.protocol.ReplyType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.uring.IoUringDomainSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * READ replies whose data goes from the image file to the socket without passing through user memory: the
 * header leaves as a small buffer and the data as a {@link LentFileRegion} right behind it. One per connection
 * that can use it: the device lends files ({@link FileRangeDevice}), no TLS is in the pipeline (an
 * {@link SslHandler} must encrypt bytes it holds and cannot take a file region), the transport is epoll or
 * NIO (both {@code sendfile}; io_uring splices through a pipe, which in one A/B run cost as much CPU as the
 * copy and ran slower), the client is not on this host's loopback, and {@code -Dflashcopy.zerocopy=false} did not turn
 * it off. Over loopback the client's own copy out of a page sent with {@code sendfile} reads memory no CPU has
 * touched: a copied read ran at 1.21 times the rate there, at less CPU on both sides (bench/RESULTS.md, "1 MiB reads
 * over loopback TCP"; {@code -Dflashcopy.zerocopy=always} sends regions to loopback clients too, for A/B runs). Unix
 * sockets keep {@code sendfile}: not measured yet. Per request it applies to reads of at least
 * {@link #MIN_LENGTH} that the device lends whole (one file, all in the page cache); for smaller ones one copy
 * costs less than the extra system call a region takes, and everything else reads into a pooled buffer.
 * Thread-safe: immutable.
 */
final class FileReads {
    /** {@code -Dflashcopy.zerocopy=false} sends every READ from a buffer; {@code always} regions to loopback too. */
    static final String PROPERTY = Tunables.ZEROCOPY.name();

    static final int MIN_LENGTH = 64 * 1024;

    private final FileRangeDevice device;
    private final ByteBufAllocator alloc;

    private FileReads(FileRangeDevice device, ByteBufAllocator alloc) {
        this.device = device;
        this.alloc = alloc;
    }

    /** The file reads of a connection with {@code pipeline}, or null when its READs must all be copied. */
    static FileReads forConnection(BlockDevice device, ChannelPipeline pipeline, ByteBufAllocator alloc) {
        String zerocopy = Tunables.ZEROCOPY.choice();
        if (zerocopy.equals("false")
                || (!zerocopy.equals("always") && onLoopback(pipeline.channel().remoteAddress()))
                || pipeline.get(SslHandler.class) != null
                || pipeline.channel() instanceof IoUringSocketChannel
                || pipeline.channel() instanceof IoUringDomainSocketChannel
                || !(device instanceof FileRangeDevice files)) {
            return null;
        }
        return new FileReads(files, alloc);
    }

    /** Whether {@code peer} is a TCP client on this host's loopback (127.0.0.0/8, ::1). */
    static boolean onLoopback(SocketAddress peer) {
        return peer instanceof InetSocketAddress inet
                && inet.getAddress() != null
                && inet.getAddress().isLoopbackAddress();
    }

    /** A simple reply's header, its data attached to {@code r} as a region; null when it must be copied. */
    ByteBuf simpleReply(NbdRequest r) throws BlockIoException {
        LentFileRegion data = region(r);
        if (data == null) {
            return null;
        }
        ByteBuf header = header(data, NbdWire.SIMPLE_REPLY_HEADER_LENGTH);
        Replies.simpleHeader(header, r.cookie(), 0);
        r.attachData(data);
        return header;
    }

    /**
     * The header of a structured reply's one {@code OFFSET_DATA} chunk (flagged DONE: it is the whole reply),
     * its data attached to {@code r} as a region; null when it must be copied.
     */
    ByteBuf dataChunk(NbdRequest r) throws BlockIoException {
        LentFileRegion data = region(r);
        if (data == null) {
            return null;
        }
        ByteBuf header = header(data, NbdWire.CHUNK_HEADER_LENGTH + NbdWire.OFFSET_DATA_PREFIX);
        Replies.chunkHeader(
                header, true, ReplyType.OFFSET_DATA, r.cookie(), NbdWire.OFFSET_DATA_PREFIX + (int) r.length());
        header.writeLong(r.offset());
        r.attachData(data);
        return header;
    }

    private LentFileRegion region(NbdRequest r) throws BlockIoException {
        if (r.length() < MIN_LENGTH) {
            return null;
        }
        HeldFile file = device.fileHolding(r.offset(), r.length());
        return file == null ? null : new LentFileRegion(file, r.offset(), r.length());
    }

    private ByteBuf header(LentFileRegion data, int length) {
        try {
            return alloc.directBuffer(length);
        } catch (RuntimeException | Error e) {
            data.release();
            throw e;
        }
    }
}
