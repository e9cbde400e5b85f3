package dev.flashcopy.nbd.client;

import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;

/**
 * How one {@link RemoteDevice} sends a call again, as its {@link Reconnect} policy says: when the call failed because
 * its connection was lost, no server could be dialled, or the far server is shutting down (ESHUTDOWN), it is tried
 * again after a pause (50 ms, doubling up to a second) until the policy's window after its first failure has passed;
 * any other failure, or a policy that does not resend, fails the call at once. Logs once per loss that requests wait,
 * and once that they go on. Thread-safe.
 */
final class Resends {
    private static final System.Logger LOG = System.getLogger(Resends.class.getName());
    private static final long FIRST_PAUSE_MILLIS = 50;
    private static final long LONGEST_PAUSE_MILLIS = 1000;

    private final String name;
    private final Reconnect reconnect;
    /** Set while calls wait for a lost connection to be replaced. */
    private volatile boolean waiting;

    /** One try of a call. */
    interface Call<T> {
        T run() throws BlockIoException;
    }

    /** A blocking call made again after its first, non-blocking, try failed. */
    interface Again {
        void run() throws BlockIoException;
    }

    Resends(String name, Reconnect reconnect) {
        this.name = name;
        this.reconnect = reconnect;
    }

    /** Runs {@code call}, again as the policy says while {@code closed} is false. */
    <T> T run(Call<T> call, BooleanSupplier closed) throws BlockIoException {
        long deadline = 0;
        long pauseMillis = FIRST_PAUSE_MILLIS;
        while (true) {
            try {
                return call.run();
            } catch (BlockIoException e) {
                if (!reconnect.resends() || closed.getAsBoolean() || !resendable(e)) {
                    throw e;
                }
                long now = System.nanoTime();
                if (deadline == 0) {
                    deadline = now + reconnect.resendWindow().toNanos();
                    noteWaiting(e);
                } else if (now - deadline > 0) {
                    throw new BlockIoException(
                            BlockError.IO,
                            e.getMessage() + " (sent again for "
                                    + reconnect.resendWindow().toSeconds() + " s, no server took it)",
                            e);
                }
                pause(pauseMillis);
                pauseMillis = Math.min(LONGEST_PAUSE_MILLIS, pauseMillis * 2);
            }
        }
    }

    /**
     * {@code first}, its failure as a block error; when the policy resends and the failure may be resent, the call is
     * made again the blocking way ({@code again}, on a virtual thread of its own: the failure completes on the
     * connection's event loop, which must not wait) and the result is that call's.
     */
    CompletableFuture<Void> orResent(CompletableFuture<Void> first, Again again, BooleanSupplier closed) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        first.whenComplete((v, failure) -> {
            if (failure == null) {
                result.complete(null);
                return;
            }
            BlockIoException e = RemoteErrors.of(
                    failure instanceof CompletionException ce && ce.getCause() != null ? ce.getCause() : failure);
            if (!reconnect.resends() || closed.getAsBoolean() || !resendable(e)) {
                result.completeExceptionally(e);
                return;
            }
            Thread.ofVirtual().name("resend-" + name).start(() -> {
                try {
                    again.run();
                    result.complete(null);
                } catch (BlockIoException | RuntimeException x) {
                    result.completeExceptionally(x);
                }
            });
        });
        return result;
    }

    /** One try at opening a connection. */
    interface Dial<T> {
        T run() throws IOException;
    }

    /**
     * Opens a device's first connection, again as the policy says. A forward that resends also waits for a server
     * to open its export on: while the store changes hands, the old owner (killed a moment ago, or handing over)
     * does not answer or refuses, until the next one serves; a host looking the export up meanwhile waits for that
     * instead of being told the export does not exist. Any failure but an interrupt is tried again, after the
     * same pauses as a call, until the window has passed; a policy that does not resend dials once.
     */
    static <T> T firstDial(String name, Reconnect reconnect, Dial<T> dial) throws IOException {
        if (!reconnect.resends()) {
            return dial.run();
        }
        long deadline = System.nanoTime() + reconnect.resendWindow().toNanos();
        long pauseMillis = FIRST_PAUSE_MILLIS;
        boolean waited = false;
        while (true) {
            try {
                T opened = dial.run();
                if (waited) {
                    LOG.log(System.Logger.Level.INFO, "{0}: opened after waiting for a server to serve it", name);
                }
                return opened;
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                if (System.nanoTime() - deadline >= 0) {
                    throw e;
                }
                if (!waited) {
                    waited = true;
                    LOG.log(
                            System.Logger.Level.WARNING,
                            "{0}: {1}; its look-up waits for a server to serve it, for up to {2} s",
                            name,
                            e.getMessage(),
                            reconnect.resendWindow().toSeconds());
                }
                try {
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting to open " + name);
                }
                pauseMillis = Math.min(LONGEST_PAUSE_MILLIS, pauseMillis * 2);
            }
        }
    }

    /** The device connected again, to {@code where}: calls waiting go on there. */
    void reconnected(Object where) {
        if (waiting) {
            waiting = false;
            LOG.log(System.Logger.Level.INFO, "{0}: connected again, to {1}", name, where);
        }
    }

    /** Whether a call that failed with {@code e} may go again on another connection. */
    static boolean resendable(BlockIoException e) {
        Throwable cause = e.getCause();
        return cause instanceof ConnectionLost || (cause instanceof ErrorReply && e.error() == BlockError.SHUTDOWN);
    }

    private void noteWaiting(BlockIoException e) {
        if (!waiting) {
            waiting = true;
            LOG.log(
                    System.Logger.Level.WARNING,
                    "{0}: {1}; requests wait for a server to take them, for up to {2} s",
                    name,
                    e.getMessage(),
                    reconnect.resendWindow().toSeconds());
        }
    }

    private static void pause(long millis) throws BlockIoException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BlockIoException(BlockError.IO, "interrupted while waiting to send a request again", e);
        }
    }
}
