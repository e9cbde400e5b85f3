package dev.flashcopy.nbd.transmission;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * Whether a connection reads from its socket, when several parties may each want it stopped: the
 * decoder waiting for {@link PayloadBudget payload budget}, the handler holding too much in flight,
 * a disconnect under way. The socket is read only while nobody wants it stopped; one party resuming
 * cannot override another's stop. One per channel (a channel attribute), used on its event loop only.
 */
final class ReadSwitch {
    /** The handler has too much in flight, or the socket takes no more replies. */
    static final int BACKLOG = 1;
    /** The decoder waits for payload budget. */
    static final int BUDGET = 1 << 1;
    /** NBD_CMD_DISC was received: nothing more will be read. */
    static final int DISCONNECT = 1 << 2;

    private static final AttributeKey<ReadSwitch> KEY = AttributeKey.valueOf(ReadSwitch.class, "reads");

    private final Channel channel;
    private int stoppedBy;

    private ReadSwitch(Channel channel) {
        this.channel = channel;
    }

    static ReadSwitch of(Channel channel) {
        ReadSwitch s = channel.attr(KEY).get();
        if (s == null) {
            s = new ReadSwitch(channel);
            channel.attr(KEY).set(s);
        }
        return s;
    }

    void stop(int reason) {
        if (stoppedBy == 0) {
            channel.config().setAutoRead(false);
        }
        stoppedBy |= reason;
    }

    void resume(int reason) {
        if (stoppedBy == 0) {
            return;
        }
        stoppedBy &= ~reason;
        if (stoppedBy == 0) {
            channel.config().setAutoRead(true);
        }
    }

    /** True while anyone wants the socket left unread. */
    boolean stopped() {
        return stoppedBy != 0;
    }
}
