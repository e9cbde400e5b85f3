package dev.flashcopy.nbd.listen;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Listening sockets passed by systemd socket activation ({@code sd_listen_fds(3)}): when {@code LISTEN_PID} names
 * this process, descriptors 3 to 3 + {@code LISTEN_FDS} - 1 are listening sockets, named by the colon-separated
 * {@code LISTEN_FDNAMES} if set. A {@code LISTEN_PID} naming another process means the variables were meant for
 * a parent and are ignored. Stateless, hence thread-safe.
 */
public final class ActivatedSockets {
    /** systemd passes its sockets from this descriptor on ({@code SD_LISTEN_FDS_START}). */
    public static final int FIRST_FD = 3;

    /** More than any socket unit sensibly lists; a larger count is a garbled variable. */
    private static final int MAX_FDS = 64;

    private ActivatedSockets() {}

    /**
     * The sockets {@code env} passes to process {@code pid}, each checked to be a listening unix or TCP socket and
     * made non-blocking; empty when there are none for us. An IOException says in one line what is wrong.
     */
    public static List<Endpoint.Inherited> from(Map<String, String> env, long pid) throws IOException {
        String listenPid = env.get("LISTEN_PID");
        if (listenPid == null || !listenPid.trim().equals(Long.toString(pid))) {
            return List.of();
        }
        String fds = env.getOrDefault("LISTEN_FDS", "");
        int count;
        try {
            count = Integer.parseInt(fds.trim());
        } catch (NumberFormatException e) {
            count = -1;
        }
        if (count < 0 || count > MAX_FDS) {
            throw new IOException(
                    "socket activation: LISTEN_FDS=" + fds + " (expected: a count from 0 to " + MAX_FDS + ")");
        }
        String[] names = env.getOrDefault("LISTEN_FDNAMES", "").split(":", -1);
        List<Endpoint.Inherited> sockets = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int fd = FIRST_FD + i;
            String name = i < names.length && !names[i].isEmpty() ? names[i] : "fd" + fd;
            SocketDescriptors.Kind kind;
            try {
                kind = SocketDescriptors.listeningKind(fd);
                SocketDescriptors.makeNonBlocking(fd);
            } catch (IOException e) {
                throw new IOException("socket activation: " + e.getMessage(), e);
            }
            sockets.add(new Endpoint.Inherited(fd, kind == SocketDescriptors.Kind.UNIX, name));
        }
        return List.copyOf(sockets);
    }
}
