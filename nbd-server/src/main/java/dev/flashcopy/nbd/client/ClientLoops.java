package dev.flashcopy.nbd.client;

import dev.flashcopy.nbd.Transport;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.util.concurrent.TimeUnit;

/**
 * The event loops client connections run on, on the transport the server would choose ({@link Transport#chosen()}:
 * epoll by default, NIO where a native one is missing). One group serves any number of connections; closing it
 * closes them all. Thread-safe.
 */
public final class ClientLoops implements AutoCloseable {
    private final Transport transport;
    private final EventLoopGroup group;

    private ClientLoops(Transport transport, EventLoopGroup group) {
        this.transport = transport;
        this.group = group;
    }

    /** {@code threads} event loops; one is enough for a few busy connections. */
    public static ClientLoops create(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads + " (expected: >= 1)");
        }
        Transport transport = Transport.chosen();
        return new ClientLoops(transport, new MultiThreadIoEventLoopGroup(threads, transport.handlers()));
    }

    Transport transport() {
        return transport;
    }

    EventLoopGroup group() {
        return group;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
