package dev.flashcopy.tools.cli;

import dev.flashcopy.nbd.listen.ActivatedSockets;
import dev.flashcopy.nbd.listen.Endpoint;
import dev.flashcopy.nbd.listen.SocketFileAccess;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code serve}'s NBD listen options, as a picocli mixin: TCP addresses and unix socket files (repeatable, mixed),
 * the socket files' mode and owner, and the sockets systemd passes. Sockets from systemd replace the default
 * address; an explicit {@code --listen} adds to them. Not thread-safe (picocli fills it once).
 */
public final class ListenOptions {
    static final Endpoint.Tcp DEFAULT = new Endpoint.Tcp("127.0.0.1", 10809);

    @Option(
            names = "--listen",
            paramLabel = "HOST:PORT|unix:PATH",
            converter = Converters.Listen.class,
            description = "NBD address: HOST:PORT (port 0: any free) or unix:PATH, a unix socket file (a stale one is"
                    + " replaced, removed on exit); repeatable (default: 127.0.0.1:10809, unless systemd passes"
                    + " sockets: then only those)")
    List<Endpoint> listen = new ArrayList<>();

    @Option(
            names = "--socket-mode",
            paramLabel = "MODE",
            description = "permission bits of each unix:PATH socket file, octal: 0660 lets its owner and group"
                    + " connect, 0600 the owner only (default: what the umask leaves)")
    String socketMode;

    @Option(
            names = "--socket-owner",
            paramLabel = "USER[:GROUP]",
            description = "owner and group of each unix:PATH socket file (:GROUP for the group only; a new owner"
                    + " needs root)")
    String socketOwner;

    /**
     * Where NBD listens: the {@code --listen} endpoints (socket files given the mode and owner asked for) and the
     * sockets {@code env} passes to process {@code pid}; the default address when there are neither.
     */
    List<Endpoint> endpoints(Map<String, String> env, long pid) {
        SocketFileAccess access = access();
        List<Endpoint> endpoints = new ArrayList<>();
        for (Endpoint e : listen) {
            endpoints.add(e instanceof Endpoint.Unix unix ? new Endpoint.Unix(unix.path(), access) : e);
        }
        if (access != SocketFileAccess.UMASK && endpoints.stream().noneMatch(e -> e instanceof Endpoint.Unix)) {
            throw new CommandFailure(
                    ExitCode.USAGE,
                    "--socket-mode and --socket-owner apply to --listen unix:PATH socket files, and none is given");
        }
        try {
            endpoints.addAll(ActivatedSockets.from(env, pid));
        } catch (IOException e) {
            throw new CommandFailure(ExitCode.START_FAILED, e.getMessage());
        }
        return endpoints.isEmpty() ? List.of(DEFAULT) : List.copyOf(endpoints);
    }

    private SocketFileAccess access() {
        SocketFileAccess access = SocketFileAccess.UMASK;
        try {
            if (socketMode != null) {
                access = access.withMode(SocketFileAccess.parseMode(socketMode));
            }
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(ExitCode.USAGE, "--socket-mode: " + e.getMessage());
        }
        try {
            if (socketOwner != null) {
                access = access.withOwner(socketOwner);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(ExitCode.USAGE, "--socket-owner: " + e.getMessage());
        }
        return access;
    }
}
