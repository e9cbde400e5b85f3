package dev.flashcopy.nbd.client;

import dev.flashcopy.nbd.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.uring.IoUringChannelOption;
import jdk.net.ExtendedSocketOptions;

/**
 * TCP keepalive on client connections, with probes soon enough to matter: the kernel's default (two hours of
 * silence before the first probe) would never notice a server host that vanished while the connection was idle.
 * With these, an idle connection to a dead host (powered off, behind a black hole) is reset about
 * {@value #IDLE_SECONDS} + {@value #PROBES} x {@value #INTERVAL_SECONDS} seconds after it went quiet, so the next
 * request dials again at once instead of waiting out its reply timeout ({@link ReplyWatchdog}). A unix socket has no
 * keepalive and needs none: its peer's death closes it. Stateless.
 */
final class KeepAlive {
    static final int IDLE_SECONDS = 15;
    static final int INTERVAL_SECONDS = 5;
    static final int PROBES = 3;

    private KeepAlive() {}

    /** Turns keepalive on for the TCP connections {@code bootstrap} makes on {@code transport}. */
    static void onTcp(Bootstrap bootstrap, Transport transport) {
        bootstrap.option(ChannelOption.SO_KEEPALIVE, true);
        switch (transport) {
            case EPOLL ->
                bootstrap
                        .option(EpollChannelOption.TCP_KEEPIDLE, IDLE_SECONDS)
                        .option(EpollChannelOption.TCP_KEEPINTVL, INTERVAL_SECONDS)
                        .option(EpollChannelOption.TCP_KEEPCNT, PROBES);
            case IO_URING ->
                bootstrap
                        .option(IoUringChannelOption.TCP_KEEPIDLE, IDLE_SECONDS)
                        .option(IoUringChannelOption.TCP_KEEPINTVL, INTERVAL_SECONDS)
                        .option(IoUringChannelOption.TCP_KEEPCNT, PROBES);
            case NIO ->
                bootstrap
                        .option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE), IDLE_SECONDS)
                        .option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL), INTERVAL_SECONDS)
                        .option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), PROBES);
        }
    }
}
