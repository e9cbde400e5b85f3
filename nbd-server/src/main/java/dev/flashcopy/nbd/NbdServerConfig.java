package dev.flashcopy.nbd;

/**
 * Where and how an {@link NbdServer} listens. Immutable.
 *
 * @param host          address to bind (a name or literal; {@code 0.0.0.0} for all interfaces)
 * @param port          TCP port, 0 for an ephemeral one (NBD's own is 10809)
 * @param ioThreads     threads doing device I/O for all connections
 * @param eventLoops    Netty event-loop threads (framing and socket I/O only)
 */
public record NbdServerConfig(String host, int port, int ioThreads, int eventLoops) {
    public NbdServerConfig {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host: '" + host + "' (expected: a host name or address)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads: " + ioThreads + " (expected: >= 1)");
        }
        if (eventLoops < 1) {
            throw new IllegalArgumentException("eventLoops: " + eventLoops + " (expected: >= 1)");
        }
    }

    /** Default threading: see {@link #defaultIoThreads()} and {@link #defaultEventLoops()}. */
    public NbdServerConfig(String host, int port) {
        this(host, port, defaultIoThreads(), defaultEventLoops());
    }

    /**
     * Enough I/O threads to keep a disk queue busy while others wait on page-cache misses, but
     * not so many that cached reads on a small machine thrash between them.
     */
    public static int defaultIoThreads() {
        return Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    }

    /** One event loop per core: each connection stays on one loop. */
    public static int defaultEventLoops() {
        return Runtime.getRuntime().availableProcessors();
    }
}
