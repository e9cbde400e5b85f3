package dev.flashcopy.nbd.listen;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;

/**
 * The life of a unix socket file the server binds: made way for before the bind, given its mode and owner after
 * it, removed on close. A bind fails on any existing file, and a server killed with SIGKILL leaves its file
 * behind, so an existing socket is probed: one nobody accepts on is stale and replaced, one that accepts
 * belongs to a live server and is refused. Stateless, hence thread-safe (the probe and the bind are not atomic:
 * two servers starting on one path at the same instant may both see it free; the second bind then fails).
 */
public final class UnixSocketFile {
    private static final int FILE_TYPE_MASK = 0170000;
    private static final int SOCKET_TYPE = 0140000;

    private UnixSocketFile() {}

    /** Makes way for a bind at {@code path}: a stale socket is deleted; a live one or any other file is refused. */
    public static void makeWay(Path path) throws IOException {
        Path dir = path.getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new IOException("the directory " + dir + " does not exist (create it first)");
        }
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & FILE_TYPE_MASK) != SOCKET_TYPE) {
            throw new IOException(path + " exists and is not a socket (remove it or choose another path)");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
        } catch (ConnectException refused) {
            // Nobody accepts: a socket file left by a server that died without removing it.
            Files.deleteIfExists(path);
            return;
        } catch (IOException e) {
            throw new IOException(path + ": cannot tell whether a server uses it (" + e.getMessage() + ")", e);
        }
        throw new IOException(
                path + " is in use: a running server accepts connections on it (stop it or choose another path)");
    }

    /**
     * Gives {@code path} the mode and owner {@code access} asks for. Between the bind and this call the file has
     * the mode the umask left (Java cannot set the umask); a socket unit's {@code SocketMode=} has no such window.
     */
    public static void apply(Path path, SocketFileAccess access) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        UserPrincipalLookupService users = path.getFileSystem().getUserPrincipalLookupService();
        if (access.owner() != null) {
            try {
                view.setOwner(users.lookupPrincipalByName(access.owner()));
            } catch (UserPrincipalNotFoundException e) {
                throw new IOException("no such user: " + access.owner(), e);
            }
        }
        if (access.group() != null) {
            try {
                view.setGroup(users.lookupPrincipalByGroupName(access.group()));
            } catch (UserPrincipalNotFoundException e) {
                throw new IOException("no such group: " + access.group(), e);
            }
        }
        if (access.mode() != null) {
            view.setPermissions(access.mode());
        }
    }

    /** Removes the socket file; a file already gone is fine. */
    public static void remove(Path path) throws IOException {
        Files.deleteIfExists(path);
    }
}
