package dev.flashcopy.nbd.client;

import dev.flashcopy.nbd.protocol.NbdCommand;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One request from submission to reply: what was asked, where a READ's data goes, and what the reply's chunks said
 * so far (the first error, the bytes of data and holes received, block status extents). Built on the caller's
 * thread; from {@link RequestWriter} on, touched only on the connection's event loop, and the caller reads the
 * results only after {@link #done} completes (which orders them). Not thread-safe otherwise.
 */
final class ClientRequest {
    final NbdCommand command;
    final int flags;
    final long offset;
    final long length;
    /** A WRITE's data, owned by the request until the writer hands it to the transport; null otherwise. */
    ByteBuf payload;
    /** Where a READ's bytes go: position 0 is {@link #offset}, its capacity {@link #length}; null otherwise. */
    final ByteBuffer target;
    /** The {@code base:allocation} context whose block status extents are kept; -1 for other requests. */
    final long statusContext;

    final CompletableFuture<Void> done = new CompletableFuture<>();
    final List<StatusExtent> extents;
    long cookie;
    /** Data and hole bytes a structured READ reply has delivered. */
    long covered;

    private int errno;
    private String errorMessage;
    private boolean sending;
    private boolean replied;

    private ClientRequest(
            NbdCommand command,
            int flags,
            long offset,
            long length,
            ByteBuf payload,
            ByteBuffer target,
            long statusContext) {
        this.command = command;
        this.flags = flags;
        this.offset = offset;
        this.length = length;
        this.payload = payload;
        this.target = target;
        this.statusContext = statusContext;
        this.extents = command == NbdCommand.BLOCK_STATUS ? new ArrayList<>() : List.of();
    }

    static ClientRequest read(int flags, long offset, ByteBuffer target) {
        return new ClientRequest(NbdCommand.READ, flags, offset, target.remaining(), null, target.slice(), -1);
    }

    static ClientRequest write(int flags, long offset, ByteBuf payload) {
        return new ClientRequest(NbdCommand.WRITE, flags, offset, payload.readableBytes(), payload, null, -1);
    }

    static ClientRequest blockStatus(int flags, long offset, long length, long context) {
        return new ClientRequest(NbdCommand.BLOCK_STATUS, flags, offset, length, null, null, context);
    }

    /** FLUSH, TRIM, WRITE_ZEROES, CACHE, DISC: a header and nothing else. */
    static ClientRequest plain(NbdCommand command, int flags, long offset, long length) {
        return new ClientRequest(command, flags, offset, length, null, null, -1);
    }

    /** Copies {@code n} bytes from {@code in} to {@code at} bytes into the target. */
    void fill(ByteBuf in, int at, int n) {
        ByteBuffer dst = target.duplicate();
        dst.limit(at + n).position(at);
        in.readBytes(dst);
    }

    /** Zeroes {@code n} bytes of the target from {@code at}: a hole chunk. */
    void zero(int at, int n) {
        for (int i = at; i < at + n; i++) {
            target.put(i, (byte) 0);
        }
    }

    /** Remembers the first error chunk; the reply goes on until its last chunk. */
    void error(int errno, String message) {
        if (this.errno == 0) {
            this.errno = errno;
            this.errorMessage = message;
        }
    }

    boolean failedOnServer() {
        return errno != 0;
    }

    /** A WRITE's payload is being sent: its outcome waits for the send, even if the reply comes first. */
    void sending() {
        sending = true;
    }

    /** The payload is sent; a reply that came first settles the request now. */
    void sent() {
        sending = false;
        if (replied) {
            settle();
        }
    }

    /**
     * Ends the request as its reply said: the error it carried, or success. A WRITE whose payload is still going
     * out (a server that answers early) waits for it: the caller may reuse its buffer once the request is done.
     */
    void finish() {
        replied = true;
        if (!sending) {
            settle();
        }
    }

    private void settle() {
        if (errno != 0) {
            done.completeExceptionally(new ErrorReply(command, errno, errorMessage));
        } else {
            done.complete(null);
        }
    }

    void fail(IOException cause) {
        releasePayload();
        done.completeExceptionally(cause);
    }

    void releasePayload() {
        ByteBuf p = payload;
        payload = null;
        if (p != null) {
            p.release();
        }
    }

    @Override
    public String toString() {
        return command + " " + offset + "+" + length;
    }
}
