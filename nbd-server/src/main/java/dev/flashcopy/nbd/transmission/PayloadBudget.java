package dev.flashcopy.nbd.transmission;

import dev.flashcopy.nbd.protocol.NbdWire;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The payload bytes the whole server may hold at once in one direction; the server keeps two. The write budget
 * counts WRITE payloads from the moment a request's header is decoded until its data is on the device (or
 * dropped); the reply budget counts READ data from the moment the request is decoded until its reply has been
 * sent (a reply sent from the file with {@code sendfile} holds no data and gives its share back at once). A
 * connection reserves a request's whole length before reading a write's payload or taking on a read; when the
 * budget cannot cover it, the connection stops reading and waits in line, and is resumed once earlier payloads
 * are released. Reserving whole requests, never parts, is what keeps this deadlock-free: every reservation
 * granted can be completed without another (its client sends the write's payload; the device answers the read
 * and the client takes the reply). Waiters are served first come, first served, so a 64 MiB request is not
 * starved by a stream of small ones. The budget must hold at least one request of the maximum payload. The bound
 * has a price: writes a device holds (a frozen source, a slow disk) keep their bytes reserved, as do replies a
 * client does not read, so once several connections hold large requests there, others wait for room too. Two
 * budgets rather than one keep a client that stops reading its replies from holding up anyone's writes.
 * Thread-safe: reserved on event loops, released on I/O threads and event loops.
 */
public final class PayloadBudget {
    /**
     * Four requests of the maximum payload: with the write and the reply budget together, half of the 1 GiB of
     * direct memory {@code bin/flashcopy} gives.
     */
    public static final long DEFAULT_BYTES = 4L * NbdWire.MAX_PAYLOAD;

    private record Waiter(long bytes, Runnable granted) {}

    private final long limit;
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private long used;
    private long peak;

    /** @param limit payload bytes held at once, at least {@link NbdWire#MAX_PAYLOAD} */
    public PayloadBudget(long limit) {
        if (limit < NbdWire.MAX_PAYLOAD) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: >= " + NbdWire.MAX_PAYLOAD
                    + ", one write of the maximum payload)");
        }
        this.limit = limit;
    }

    /** No limit: for a decoder used on its own (tests). */
    static PayloadBudget unlimited() {
        return new PayloadBudget(Long.MAX_VALUE);
    }

    public long limit() {
        return limit;
    }

    /**
     * Reserves {@code bytes} now and returns true, or returns false and queues {@code granted}, which runs
     * (on the thread of the release that made room, so it must only hand over) once the bytes are reserved
     * for it; unless {@link #cancel} takes it back first.
     */
    public synchronized boolean reserve(long bytes, Runnable granted) {
        if (waiters.isEmpty() && used + bytes <= limit) {
            take(bytes);
            return true;
        }
        waiters.add(new Waiter(bytes, granted));
        return false;
    }

    /** Takes back a queued reservation; false when it was already granted (its callback runs or ran). */
    public synchronized boolean cancel(Runnable granted) {
        return waiters.removeIf(w -> w.granted() == granted);
    }

    /** Gives {@code bytes} back and grants the waiters, in order, that now fit. */
    public void release(long bytes) {
        List<Runnable> granted = null;
        synchronized (this) {
            used -= bytes;
            if (used < 0) {
                throw new IllegalStateException("released " + bytes + " bytes more than reserved");
            }
            while (!waiters.isEmpty() && used + waiters.peek().bytes() <= limit) {
                Waiter w = waiters.poll();
                take(w.bytes());
                if (granted == null) {
                    granted = new ArrayList<>(2);
                }
                granted.add(w.granted());
            }
        }
        if (granted != null) {
            granted.forEach(Runnable::run);
        }
    }

    private void take(long bytes) {
        used += bytes;
        peak = Math.max(peak, used);
    }

    /** Bytes reserved now. */
    public synchronized long used() {
        return used;
    }

    /** The most bytes ever reserved at once. */
    public synchronized long peak() {
        return peak;
    }

    /** Connections waiting for room. */
    public synchronized int waiting() {
        return waiters.size();
    }
}
