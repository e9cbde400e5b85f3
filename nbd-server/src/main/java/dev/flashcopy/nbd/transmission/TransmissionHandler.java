package dev.flashcopy.nbd.transmission;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.nbd.dispatch.IoDispatcher;
import dev.flashcopy.nbd.dispatch.IoLane;
import dev.flashcopy.nbd.export.RemoteBacked;
import dev.flashcopy.nbd.listen.PeerName;
import dev.flashcopy.nbd.protocol.NbdCommand;
import dev.flashcopy.nbd.protocol.NbdError;
import dev.flashcopy.nbd.protocol.ProtocolViolation;
import dev.flashcopy.nbd.tls.PeerTlsFailure;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.FileRegion;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.CompletionStage;

/**
 * The transmission phase of one connection. On the event loop it checks each decoded request
 * ({@link RequestCheck}), answers the ones that need no disk at once (reads the page cache holds too, see
 * {@link CachedReads}) and plain writes the page cache takes at once ({@link InlineWrites}), and dispatches the
 * rest to I/O threads (plain writes through their file's serial lane, see {@link SerialWrites}); their replies come back to {@link #completed} on the loop, are written whole, and
 * flushed once per burst (a flush task queued behind the completions already waiting).
 *
 * <p>It bounds what a client can have in flight: above {@link #HIGH_WATER_BYTES} of data or
 * {@link #MAX_IN_FLIGHT} requests, or while the socket will not take more replies, it stops
 * reading; it reads again once below half of both and writable (the decoder may keep it stopped
 * longer, waiting for the server-wide {@link PayloadBudget}: see {@link ReadSwitch}). After {@code NBD_CMD_DISC} it
 * finishes what is in flight, then closes. The device lease is given back once the connection is
 * closed and nothing is in flight. Not thread-safe: all state is confined to the channel's loop.
 */
public final class TransmissionHandler extends ChannelInboundHandlerAdapter {
    static final long HIGH_WATER_BYTES = 64L * 1024 * 1024;
    static final int MAX_IN_FLIGHT = 512;

    private static final System.Logger LOG = System.getLogger(TransmissionHandler.class.getName());

    private final TransmissionSession session;
    private final BlockDevice device;
    private final IoDispatcher dispatcher;
    private final Runnable flushTask = this::flushNow;
    private ChannelHandlerContext ctx;
    private ReadSwitch reads;
    private CommandRunner runner;
    private SerialWrites serialWrites;
    private InlineWrites inlineWrites;

    private int inFlight;
    /** Writes, trims and zeroings dispatched and not answered yet: {@link InlineWrites} waits for none. */
    private int mutationsInFlight;

    private long inFlightBytes;
    private boolean paused;
    private boolean disconnecting;
    private boolean flushScheduled;
    private boolean leaseReturned;

    public TransmissionHandler(TransmissionSession session, IoDispatcher dispatcher) {
        this.session = session;
        this.device = session.lease().device();
        this.dispatcher = dispatcher;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.reads = ReadSwitch.of(ctx.channel());
        this.runner = new CommandRunner(
                device,
                session.structuredReplies(),
                session.contexts(),
                ctx.alloc(),
                session.metrics(),
                FileReads.forConnection(device, ctx.pipeline(), ctx.alloc()));
        this.serialWrites = new SerialWrites(device, dispatcher);
        this.inlineWrites = new InlineWrites(device, serialWrites, runner, session.metrics());
    }

    CommandRunner runner() {
        return runner;
    }

    EventExecutor executor() {
        return ctx.executor();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof NbdRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (disconnecting || !ctx.channel().isActive()) {
            request.releaseHeld();
            return;
        }
        long received = System.nanoTime();
        RequestCheck.Verdict verdict = RequestCheck.check(request, device, session);
        if (verdict != null) {
            session.metrics().request(request.command(), 0, System.nanoTime() - received, verdict.error());
            request.releaseHeld();
            reply(Replies.error(
                    ctx.alloc(), session.structuredReplies(), request.cookie(), verdict.error(), verdict.message()));
            return;
        }
        NbdCommand command = request.command();
        if (command == NbdCommand.DISC) {
            disconnecting = true;
            reads.stop(ReadSwitch.DISCONNECT);
            finishIfDisconnected();
            return;
        }
        if (request.length() == 0 && command != NbdCommand.FLUSH) {
            // Zero-length requests (spec: "unspecified, but SHOULD NOT disconnect") succeed without I/O.
            session.metrics().request(command, 0, System.nanoTime() - received, null);
            request.releasePayload();
            reply(
                    session.structuredReplies() && command == NbdCommand.READ
                            ? Replies.none(ctx.alloc(), request.cookie())
                            : Replies.success(ctx.alloc(), request.cookie()));
            return;
        }
        if (command == NbdCommand.READ && request.length() <= CachedReads.maxBytes()) {
            long start = System.nanoTime();
            ByteBuf cached = CachedReads.reply(request, device, session.structuredReplies(), ctx.alloc());
            session.metrics().loopHeld(command, System.nanoTime() - start);
            if (cached != null) {
                session.metrics().request(command, request.length(), System.nanoTime() - received, null);
                reply(request, cached);
                return;
            }
        }
        request.bind(this, received);
        boolean mutation = mutation(request);
        CompletionStage<Void> held = mutation ? device.writesHeldUntil() : null;
        if (held == null && command == NbdCommand.WRITE) {
            ByteBuf written = inlineWrites.reply(request, mutationsInFlight);
            if (written != null) {
                request.releasePayload();
                reply(written);
                return;
            }
        }
        inFlight++;
        inFlightBytes += weight(request);
        if (mutation) {
            mutationsInFlight++;
        }
        updateReading();
        if (held != null) {
            // A frozen source (consistency group): park the write here rather than on an I/O thread, which
            // would wait doing nothing and starve every other export of the pool.
            held.whenComplete((ignored, failure) -> executor().execute(() -> dispatcher.dispatch(request)));
            return;
        }
        if (device instanceof RemoteBacked remote
                && RemoteForwards.start(request, remote, session.structuredReplies(), ctx.alloc(), session.metrics())) {
            return;
        }
        IoLane lane = serialWrites.laneFor(request);
        if (lane != null) {
            lane.dispatch(request);
        } else {
            dispatcher.dispatch(request);
        }
    }

    /** Bytes a request holds while in flight: its payload, or the reply it will build. */
    private static long weight(NbdRequest request) {
        NbdCommand c = request.command();
        return c == NbdCommand.WRITE || c == NbdCommand.READ ? request.length() : 0;
    }

    private static boolean mutation(NbdRequest request) {
        NbdCommand c = request.command();
        return c == NbdCommand.WRITE || c == NbdCommand.TRIM || c == NbdCommand.WRITE_ZEROES;
    }

    /** On the loop: {@code request}'s reply is built. */
    void completed(NbdRequest request) {
        inFlight--;
        inFlightBytes -= weight(request);
        mutationsInFlight -= mutation(request) ? 1 : 0;
        if (ctx.channel().isActive()) {
            ByteBuf reply = request.takeReply();
            FileRegion data = request.takeData();
            if (data == null) {
                reply(request, reply);
            } else {
                request.releaseReplyBudget(); // the data goes from the file: the reply holds a header only
                ctx.write(reply, ctx.voidPromise()); // the header, then the data straight from the file
                reply(data);
            }
        } else {
            request.releaseReply();
        }
        updateReading();
        finishIfDisconnected();
        returnLeaseIfIdle();
    }

    /** On the loop, via the request: the dispatcher is closed, the server is going away. */
    void rejected(NbdRequest request) {
        if (!executor().inEventLoop()) {
            request.releasePayload();
            executor().execute(() -> rejected(request));
            return;
        }
        request.releaseHeld();
        inFlight--;
        inFlightBytes -= weight(request);
        mutationsInFlight -= mutation(request) ? 1 : 0;
        session.metrics()
                .request(request.command(), 0, System.nanoTime() - request.receivedNanos(), NbdError.ESHUTDOWN);
        if (ctx.channel().isActive()) {
            reply(Replies.error(
                    ctx.alloc(),
                    session.structuredReplies(),
                    request.cookie(),
                    NbdError.ESHUTDOWN,
                    "server is shutting down"));
        }
        finishIfDisconnected();
        returnLeaseIfIdle();
    }

    /** Off the loop, when the loop itself is gone: nothing will complete, so give the lease back now. */
    void abandon() {
        session.lease().close();
    }

    /**
     * Writes {@code request}'s reply; a READ holding reply budget gets it back once the write is done (sent, or
     * failed because the connection went), so the budget bounds reply data until it leaves.
     */
    private void reply(NbdRequest request, ByteBuf reply) {
        if (request.holdsReplyBudget()) {
            ctx.write(reply, ctx.newPromise().addListener(request));
            scheduleFlush();
        } else {
            reply(reply);
        }
    }

    private void reply(Object reply) {
        ctx.write(reply, ctx.voidPromise());
        scheduleFlush();
    }

    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            ctx.executor().execute(flushTask);
        }
    }

    private void flushNow() {
        flushScheduled = false;
        ctx.flush();
    }

    private void updateReading() {
        if (disconnecting) {
            return;
        }
        boolean writable = ctx.channel().isWritable();
        if (!paused && (inFlightBytes > HIGH_WATER_BYTES || inFlight >= MAX_IN_FLIGHT || !writable)) {
            paused = true;
            reads.stop(ReadSwitch.BACKLOG);
        } else if (paused && inFlightBytes <= HIGH_WATER_BYTES / 2 && inFlight <= MAX_IN_FLIGHT / 2 && writable) {
            paused = false;
            reads.resume(ReadSwitch.BACKLOG);
        }
    }

    private void finishIfDisconnected() {
        if (disconnecting && inFlight == 0 && ctx.channel().isActive()) {
            flushScheduled = false;
            ctx.flush();
            ctx.close();
        }
    }

    private void returnLeaseIfIdle() {
        if (!leaseReturned && inFlight == 0 && !ctx.channel().isActive()) {
            leaseReturned = true;
            session.lease().close();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        updateReading();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        returnLeaseIfIdle();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof ProtocolViolation violation) {
            violation.close(ctx); // the request decoder lost the stream's framing
            return;
        }
        // A TLS record the client garbled gets one line, not a stack trace; the stream cannot go on either way.
        PeerTlsFailure.log(LOG, PeerName.of(ctx.channel()), "connection", cause);
        ctx.close();
    }
}
