package dev.flashcopy.nbd.transmission;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.nbd.dispatch.StagedIoTask;
import dev.flashcopy.nbd.protocol.NbdCommand;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.FileRegion;
import java.util.concurrent.RejectedExecutionException;

/**
 * One decoded request, which is also its own I/O task and its own completion: one object per
 * request, no capturing lambdas on the hot path. Fields describing the request never change; the
 * reply (and a READ's data, when it goes out as a file region behind the reply's header) is set on
 * the I/O thread and read on the event loop after the hand-over through the loop's task queue. A READ may hold
 * a reservation of its length from the server's reply budget, given back when its reply has been sent (the
 * request is the listener of that write) or dropped. Not thread-safe beyond that hand-over.
 */
public final class NbdRequest implements StagedIoTask, Runnable, ChannelFutureListener {
    private final int flags;
    private final int type;
    private final NbdCommand command;
    private final long cookie;
    private final long offset;
    private final long length;
    private final boolean oversized;
    private ByteBuf payload;
    /** Where the payload's bytes were reserved, given back with it; null when nothing was reserved. */
    private PayloadBudget budget;
    /** Where a READ's reply data was reserved, given back once the reply is sent; null when nothing was. */
    private PayloadBudget replyBudget;

    private TransmissionHandler handler;
    private ByteBuf reply;
    private FileRegion data;
    private long receivedNanos;

    /**
     * @param type      the raw command number; {@link #command()} is null when it is unknown
     * @param length    unsigned 32-bit length as sent
     * @param payload   a WRITE's data (owned by this request from now on), or null
     * @param oversized a WRITE longer than the maximum payload whose data the decoder discarded
     */
    public NbdRequest(int flags, int type, long cookie, long offset, long length, ByteBuf payload, boolean oversized) {
        this(flags, type, cookie, offset, length, payload, oversized, null, null);
    }

    /**
     * As above, and {@code length} bytes reserved from {@code budget} for the payload, released with it, or from
     * {@code replyBudget} for a READ's reply, released once the reply is sent.
     */
    NbdRequest(
            int flags,
            int type,
            long cookie,
            long offset,
            long length,
            ByteBuf payload,
            boolean oversized,
            PayloadBudget budget,
            PayloadBudget replyBudget) {
        this.flags = flags;
        this.type = type;
        this.command = NbdCommand.isKnown(type) ? NbdCommand.of(type) : null;
        this.cookie = cookie;
        this.offset = offset;
        this.length = length;
        this.payload = payload;
        this.oversized = oversized;
        this.budget = budget;
        this.replyBudget = replyBudget;
    }

    public int flags() {
        return flags;
    }

    public int type() {
        return type;
    }

    /** The command, or null when the type number is not one the spec defines. */
    public NbdCommand command() {
        return command;
    }

    public long cookie() {
        return cookie;
    }

    /** Unsigned 64-bit offset as sent; negative means at least 2^63. */
    public long offset() {
        return offset;
    }

    @Override
    public long length() {
        return length;
    }

    public boolean oversized() {
        return oversized;
    }

    public ByteBuf payload() {
        return payload;
    }

    /** Releases the WRITE payload, if any, and the budget reserved for it; safe to call more than once. */
    public void releasePayload() {
        ByteBuf p = payload;
        if (p != null) {
            payload = null;
            p.release();
        }
        PayloadBudget b = budget;
        if (b != null) {
            budget = null;
            b.release(length);
        }
    }

    /** True while a READ holds reply budget: its reply's write must tell this request when it is done. */
    boolean holdsReplyBudget() {
        return replyBudget != null;
    }

    /** Gives the reply budget back, if any is held; safe to call more than once. */
    void releaseReplyBudget() {
        PayloadBudget b = replyBudget;
        if (b != null) {
            replyBudget = null;
            b.release(length);
        }
    }

    /** The write of this READ's reply finished, sent or failed: its data no longer counts against the budget. */
    @Override
    public void operationComplete(ChannelFuture future) {
        releaseReplyBudget();
    }

    /** Releases what a request dropped unanswered (or answered without data) holds: payload and budgets. */
    void releaseHeld() {
        releasePayload();
        releaseReplyBudget();
    }

    void bind(TransmissionHandler handler, long receivedNanos) {
        this.handler = handler;
        this.receivedNanos = receivedNanos;
    }

    /** {@link System#nanoTime()} when the handler took the request; set before dispatch, read after. */
    long receivedNanos() {
        return receivedNanos;
    }

    /** The reply, built off the loop by whoever carried the request out ({@link RemoteForwards}). */
    void answer(ByteBuf built) {
        reply = built;
    }

    ByteBuf takeReply() {
        ByteBuf r = reply;
        reply = null;
        return r;
    }

    /** The READ's data goes out as {@code region}, right behind the reply (its header); owned by this request. */
    void attachData(FileRegion region) {
        data = region;
    }

    /** The data to send behind the reply, or null when the reply holds it all; the caller owns it now. */
    FileRegion takeData() {
        FileRegion d = data;
        data = null;
        return d;
    }

    /** Releases the reply and its data, if any, and the reply budget: nobody will send them. */
    void releaseReply() {
        releaseReplyBudget();
        ByteBuf r = takeReply();
        if (r != null) {
            r.release();
        }
        FileRegion d = takeData();
        if (d != null) {
            d.release();
        }
    }

    /** On an I/O thread: the device call; with {@code deferSync} a FUA write or FLUSH leaves its sync owed. */
    @Override
    public BlockDevice execute(boolean deferSync) {
        boolean defer = deferSync && CommandRunner.owesSync(this);
        try {
            reply = handler.runner().run(this, defer);
        } finally {
            releasePayload();
        }
        return reply == null ? handler.runner().device() : null;
    }

    @Override
    public void synced(BlockIoException failure) {
        reply = handler.runner().afterSync(this, failure);
    }

    /** On an I/O thread: hand the reply to the event loop. */
    @Override
    public void handBack() {
        try {
            handler.executor().execute(this);
        } catch (RejectedExecutionException e) {
            // The event loop is gone (server shut down out of order): nobody will send this reply.
            releaseReply();
            handler.abandon();
        }
    }

    /** The dispatcher is closed: answer on the event loop as a server shutting down. */
    @Override
    public void reject() {
        handler.rejected(this);
    }

    /** On the event loop: the reply is ready. */
    @Override
    public void run() {
        handler.completed(this);
    }

    @Override
    public String toString() {
        return (command == null ? "command#" + type : command) + "(flags=" + flags + ", cookie=" + cookie + ", offset="
                + Long.toUnsignedString(offset) + ", length=" + length + ")";
    }
}
