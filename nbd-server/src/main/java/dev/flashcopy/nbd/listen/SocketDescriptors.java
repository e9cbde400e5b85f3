package dev.flashcopy.nbd.listen;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * What the kernel says about an inherited descriptor, and making it non-blocking, through libc ({@code
 * getsockopt}, {@code fcntl}) by the foreign function API: Java has no way to ask about a descriptor it did not
 * open, and Netty's event loop would hang in {@code accept} on a blocking socket (systemd may pass either). Linux
 * constants (x86-64 and arm64 agree on these). Stateless, hence thread-safe.
 */
final class SocketDescriptors {
    private static final int SOL_SOCKET = 1;
    private static final int SO_TYPE = 3;
    private static final int SO_ACCEPTCONN = 30;
    private static final int SO_DOMAIN = 39;
    private static final int SOCK_STREAM = 1;
    private static final int AF_UNIX = 1;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int O_NONBLOCK = 04000;

    /** A listening stream socket's kind. */
    enum Kind {
        UNIX,
        TCP
    }

    private SocketDescriptors() {}

    /** The kind of listening stream socket {@code fd} is; an IOException says what it is not, in words. */
    static Kind listeningKind(int fd) throws IOException {
        int domain = socketOption(fd, SO_DOMAIN);
        if (socketOption(fd, SO_TYPE) != SOCK_STREAM || socketOption(fd, SO_ACCEPTCONN) == 0) {
            throw new IOException("fd " + fd + " is not a listening stream socket (expected: ListenStream= in the"
                    + " .socket unit)");
        }
        return switch (domain) {
            case AF_UNIX -> Kind.UNIX;
            case AF_INET, AF_INET6 -> Kind.TCP;
            default ->
                throw new IOException(
                        "fd " + fd + " is a socket of address family " + domain + " (expected: a unix or TCP socket)");
        };
    }

    /** Sets {@code O_NONBLOCK} on {@code fd}'s open file description. */
    static void makeNonBlocking(int fd) throws IOException {
        try {
            int flags = (int) Libc.FCNTL.invokeExact(fd, F_GETFL, 0);
            if (flags < 0 || (int) Libc.FCNTL.invokeExact(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
                throw new IOException("fd " + fd + ": cannot make it non-blocking");
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("fd " + fd + ": fcntl failed: " + t.getMessage(), t);
        }
    }

    private static int socketOption(int fd, int option) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_INT);
            MemorySegment length = arena.allocate(JAVA_INT);
            length.set(JAVA_INT, 0, Integer.BYTES);
            int rc = (int) Libc.GETSOCKOPT.invokeExact(fd, SOL_SOCKET, option, value, length);
            if (rc != 0) {
                throw new IOException("fd " + fd + " is not an open socket (expected: a socket passed by systemd)");
            }
            return value.get(JAVA_INT, 0);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("fd " + fd + ": getsockopt failed: " + t.getMessage(), t);
        }
    }

    /** Looked up on first use only: a server without inherited sockets never touches native access. */
    private static final class Libc {
        private static final Linker LINKER = Linker.nativeLinker();
        static final MethodHandle GETSOCKOPT = LINKER.downcallHandle(
                LINKER.defaultLookup().find("getsockopt").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        // fcntl is variadic: its third argument is passed as one.
        static final MethodHandle FCNTL = LINKER.downcallHandle(
                LINKER.defaultLookup().find("fcntl").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
                Linker.Option.firstVariadicArg(2));
    }
}
