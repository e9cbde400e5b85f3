package dev.flashcopy.nbd.transmission;

import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.nbd.export.RemoteBacked;
import dev.flashcopy.nbd.metrics.ExportMetrics;
import dev.flashcopy.nbd.protocol.CommandFlag;
import dev.flashcopy.nbd.protocol.NbdCommand;
import dev.flashcopy.nbd.protocol.NbdError;
import dev.flashcopy.nbd.protocol.NbdWire;
import dev.flashcopy.nbd.protocol.ReplyType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * READs and WRITEs of a {@link RemoteBacked} device started on the event loop: the request goes to the far server at
 * once, and its completion (on the client's thread) builds the reply and hands the request back to the loop, as an
 * I/O thread would. No thread waits out the round trip. A READ's data goes from the far server's reply straight into
 * this reply's buffer, one data chunk when structured. Anything else, or a request the device cannot start now,
 * takes the ordinary path. Stateless.
 */
final class RemoteForwards {
    private RemoteForwards() {}

    /** True when {@code r} (checked, bound, counted in flight) is under way; false to dispatch it as usual. */
    static boolean start(
            NbdRequest r, RemoteBacked device, boolean structured, ByteBufAllocator alloc, ExportMetrics metrics) {
        return switch (r.command()) {
            case READ -> read(r, device, structured, alloc, metrics);
            case WRITE -> write(r, device, structured, alloc, metrics);
            default -> false;
        };
    }

    private static boolean read(
            NbdRequest r, RemoteBacked device, boolean structured, ByteBufAllocator alloc, ExportMetrics metrics) {
        int length = (int) r.length();
        int header = structured
                ? NbdWire.CHUNK_HEADER_LENGTH + NbdWire.OFFSET_DATA_PREFIX
                : NbdWire.SIMPLE_REPLY_HEADER_LENGTH;
        ByteBuf out = alloc.directBuffer(header + length);
        CompletableFuture<Void> reading = device.startRead(r.offset(), out.nioBuffer(header, length));
        if (reading == null) {
            out.release();
            return false;
        }
        reading.whenComplete((v, failure) -> {
            if (failure == null) {
                if (structured) {
                    Replies.chunkHeader(
                            out, true, ReplyType.OFFSET_DATA, r.cookie(), NbdWire.OFFSET_DATA_PREFIX + length);
                    out.writeLong(r.offset());
                } else {
                    Replies.simpleHeader(out, r.cookie(), 0);
                }
                out.writerIndex(header + length);
                done(r, out, null, metrics);
            } else {
                out.release();
                NbdError error = errorOf(failure);
                done(r, Replies.error(alloc, structured, r.cookie(), error, "READ failed: " + error), error, metrics);
            }
        });
        return true;
    }

    private static boolean write(
            NbdRequest r, RemoteBacked device, boolean structured, ByteBufAllocator alloc, ExportMetrics metrics) {
        boolean fua = CommandFlag.FUA.isSet(r.flags());
        CompletableFuture<Void> writing = device.startWrite(r.offset(), r.payload(), fua);
        if (writing == null) {
            return false;
        }
        writing.whenComplete((v, failure) -> {
            r.releasePayload();
            if (failure == null) {
                done(r, Replies.success(alloc, r.cookie()), null, metrics);
            } else {
                NbdError error = errorOf(failure);
                done(r, Replies.error(alloc, structured, r.cookie(), error, "WRITE failed: " + error), error, metrics);
            }
        });
        return true;
    }

    private static NbdError errorOf(Throwable failure) {
        Throwable cause = failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
        return cause instanceof BlockIoException b ? NbdError.of(b.error()) : NbdError.EIO;
    }

    private static void done(NbdRequest r, ByteBuf reply, NbdError error, ExportMetrics metrics) {
        NbdCommand command = r.command();
        metrics.request(command, error == null ? r.length() : 0, System.nanoTime() - r.receivedNanos(), error);
        r.answer(reply);
        r.handBack();
    }
}
