package dev.flashcopy.nbd;

import dev.flashcopy.engine.tuning.Tunables;
import dev.flashcopy.nbd.listen.Endpoint;
import dev.flashcopy.nbd.protocol.NbdWire;
import dev.flashcopy.nbd.transmission.PayloadBudget;
import java.util.List;

/**
 * Where and how an {@link NbdServer} listens. Immutable.
 *
 * @param endpoints     where to listen, at least one: TCP addresses, unix socket files, inherited sockets
 * @param ioThreads     threads doing device I/O for all connections, with the thread-pool dispatcher
 *                      (the default Disruptor dispatcher has its own stage count, see IoDispatchers)
 * @param eventLoops    Netty event-loop threads (framing and socket I/O only)
 * @param payloadBudget WRITE payload bytes all connections together may hold at once, and as much again of READ
 *                      reply data (see {@link dev.flashcopy.nbd.transmission.PayloadBudget}); at least one
 *                      maximum payload
 */
public record NbdServerConfig(List<Endpoint> endpoints, int ioThreads, int eventLoops, long payloadBudget) {
    public NbdServerConfig {
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("endpoints: none (expected: at least one place to listen)");
        }
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads: " + ioThreads + " (expected: >= 1)");
        }
        if (eventLoops < 1) {
            throw new IllegalArgumentException("eventLoops: " + eventLoops + " (expected: >= 1)");
        }
        if (payloadBudget < NbdWire.MAX_PAYLOAD) {
            throw new IllegalArgumentException("payloadBudget: " + payloadBudget + " (expected: >= "
                    + NbdWire.MAX_PAYLOAD + ", one write of the maximum payload)");
        }
    }

    /** One TCP address ({@code port} 0: an ephemeral one). */
    public NbdServerConfig(String host, int port, int ioThreads, int eventLoops, long payloadBudget) {
        this(List.of(new Endpoint.Tcp(host, port)), ioThreads, eventLoops, payloadBudget);
    }

    /** The default payload budget, {@link PayloadBudget#DEFAULT_BYTES}. */
    public NbdServerConfig(String host, int port, int ioThreads, int eventLoops) {
        this(host, port, ioThreads, eventLoops, PayloadBudget.DEFAULT_BYTES);
    }

    /** Default threading: see {@link #defaultIoThreads()} and {@link #defaultEventLoops()}. */
    public NbdServerConfig(String host, int port) {
        this(host, port, defaultIoThreads(), defaultEventLoops());
    }

    /** {@code endpoints} with default threading and payload budget. */
    public NbdServerConfig(List<Endpoint> endpoints) {
        this(endpoints, defaultIoThreads(), defaultEventLoops(), PayloadBudget.DEFAULT_BYTES);
    }

    /**
     * I/O threads spend most of their time blocked, not computing: on page-cache misses, and on
     * copy-on-write group commits, where every writer waits for one fdatasync + fsync pair. The more
     * writers a commit can gather the fewer fsyncs per write, so the pool is sized for waiting (32;
     * the kernel client keeps up to 128 requests in flight), not for cores. Measured on 2 cores:
     * 4 threads gave source writes with one NOCOPY target 0.43 of plain writes, 16 to 64 gave
     * 0.53 to 0.62, and cached random reads did not suffer. {@code -Dflashcopy.ioThreads=N} overrides.
     */
    public static int defaultIoThreads() {
        return Tunables.IO_THREADS.intValue(1);
    }

    /** One event loop per core: each connection stays on one loop. */
    public static int defaultEventLoops() {
        return Runtime.getRuntime().availableProcessors();
    }
}
