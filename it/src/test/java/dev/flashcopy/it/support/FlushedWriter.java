package dev.flashcopy.it.support;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Writes 64 KiB slots of an export with fresh patterns, each followed by a flush, on its own thread, until the
 * server dies under it; then says which slots must read back which pattern (the write in flight at the kill is
 * forgotten: it may or may not have landed). The oracle for "every flushed write survives a crash". Thread-safe
 * between its writer thread and the test thread.
 */
public final class FlushedWriter {
    public static final int SLOT = Slots.SLOT;

    private final ServerProcess server;
    private final String export;
    private final int slots;
    private final Map<Integer, Integer> completed = new LinkedHashMap<>();
    private volatile int inFlight = -1;
    private Thread thread;

    public FlushedWriter(ServerProcess server, String export, int slots) {
        this.server = server;
        this.export = export;
        this.slots = slots;
    }

    /** Starts writing with a fixed seed; call {@link #awaitDeath()} after killing the server. */
    public void start(long seed) {
        thread = new Thread(() -> run(seed), "flushed-writer");
        thread.start();
    }

    /** Waits for the writer to notice the kill, and forgets the write that was in flight then. */
    public void awaitDeath() throws InterruptedException {
        thread.join();
        synchronized (completed) {
            completed.remove(inFlight);
        }
    }

    /** Checks, with qemu-io on the restarted server, that every completed write reads back. */
    public void verify() {
        Map<Integer, Integer> check;
        synchronized (completed) {
            check = Map.copyOf(completed);
        }
        Slots.verify(server.uri(export), check);
    }

    private void run(long seed) {
        Random random = new Random(seed);
        while (server.isAlive()) {
            int slot = random.nextInt(slots);
            int pattern = 2 + random.nextInt(250);
            inFlight = slot;
            if (!Slots.write(server.uri(export), slot, pattern)) {
                return; // the server went away mid-write
            }
            synchronized (completed) {
                completed.put(slot, pattern);
            }
        }
    }
}
