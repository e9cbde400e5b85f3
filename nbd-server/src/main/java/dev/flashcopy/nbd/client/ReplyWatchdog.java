package dev.flashcopy.nbd.client;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose server went silent: requests are in flight and not one byte has come back for the
 * export's reply timeout (a server stopped by SIGSTOP, a host behind a network black hole, a far disk that holds
 * every request). The requests in flight then fail with {@link ConnectionLost}, so a {@link RemoteDevice} dials
 * again as its {@link Reconnect} policy says, or its caller fails over, instead of waiting forever. A server that is
 * slow but answers, even other requests than the oldest, is never cut off: only silence counts. It looks four times
 * per timeout, so a silence is acted on between one and one and a half timeouts after the last byte arrived (or
 * after the request was sent, on a connection that was idle). Sits
 * in front of the reply decoder and sees every byte received. Confined to the connection's event loop.
 */
final class ReplyWatchdog extends ChannelInboundHandlerAdapter {
    static final String NAME = "nbd-reply-watchdog";

    private final InFlight inFlight;
    private final Duration timeout;
    private final String server;
    private ScheduledFuture<?> looks;
    /** Something arrived since the last look. */
    private boolean heard;
    /** The last look found requests waiting. */
    private boolean waiting;
    /**
     * The first look that found requests waiting after the connection was idle, or the last one after something
     * arrived: silence counts from there, so it is never counted from before a request was sent.
     */
    private long quietSince;

    ReplyWatchdog(InFlight inFlight, Duration timeout, String server) {
        this.inFlight = inFlight;
        this.timeout = timeout;
        this.server = server;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        quietSince = System.nanoTime();
        long every = Math.max(1, timeout.toNanos() / 4);
        looks = ctx.executor().scheduleAtFixedRate(() -> look(ctx), every, every, TimeUnit.NANOSECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        heard = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stop();
        ctx.fireChannelInactive();
    }

    private void look(ChannelHandlerContext ctx) {
        long now = System.nanoTime();
        boolean wasWaiting = waiting;
        waiting = inFlight.size() > 0;
        if (heard || !waiting || !wasWaiting) {
            heard = false;
            quietSince = now;
            return;
        }
        if (now - quietSince >= timeout.toNanos()) {
            stop();
            inFlight.failAll(new ConnectionLost("no reply from " + server + " for " + timeout.toMillis() / 1000.0
                    + " s with " + inFlight.size() + " requests waiting; closing the connection"));
            ctx.close();
        }
    }

    private void stop() {
        if (looks != null) {
            looks.cancel(false);
            looks = null;
        }
    }
}
