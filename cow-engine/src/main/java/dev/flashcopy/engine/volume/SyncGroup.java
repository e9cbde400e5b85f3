package dev.flashcopy.engine.volume;

import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;

/**
 * Group commit for one file's {@code fdatasync}: callers that arrive while a sync is running wait
 * for it to end, then one of them (the leader) runs a single sync for all of them. A caller needs
 * a sync that <em>started</em> after it arrived (the one running may have started before its write
 * completed), so at most two syncs cover any crowd of callers. A failed sync fails every caller it
 * was meant to cover. Thread-safe.
 */
final class SyncGroup {
    /** The sync itself, run by the leader outside the lock. */
    interface Sync {
        void run() throws BlockIoException;
    }

    private final Object lock = new Object();
    /** Generation of the last sync started, and of the last one finished. */
    private long started;

    private long finished;
    private boolean running;
    private long failedGeneration = -1;
    private BlockIoException failure;
    private long syncs;
    private int waiting;

    /** Returns once a sync that started after this call has succeeded; throws its failure otherwise. */
    void sync(Sync sync) throws BlockIoException {
        long mine;
        boolean interrupted = false;
        synchronized (lock) {
            long needed = started + 1;
            while (true) {
                if (finished >= needed) {
                    if (interrupted) {
                        Thread.currentThread().interrupt();
                    }
                    if (failedGeneration >= needed) {
                        throw failure; // conservative: a later failure also fails callers an earlier sync covered
                    }
                    return;
                }
                if (!running) {
                    running = true;
                    mine = ++started;
                    break;
                }
                waiting++;
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    interrupted = true; // keep waiting: leaving would acknowledge an unsynced write
                } finally {
                    waiting--;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        BlockIoException error = null;
        try {
            sync.run();
        } catch (BlockIoException e) {
            error = e;
        } catch (RuntimeException e) {
            error = new BlockIoException(BlockError.IO, "sync failed: " + e, e);
        } finally {
            synchronized (lock) {
                running = false;
                finished = mine;
                syncs++;
                if (error != null) {
                    failedGeneration = mine;
                    failure = error;
                }
                lock.notifyAll();
            }
        }
        if (error != null) {
            throw error;
        }
    }

    /** Callers waiting for a sync; for tests. */
    int waiting() {
        synchronized (lock) {
            return waiting;
        }
    }

    /** Syncs run so far; for tests. */
    long syncs() {
        synchronized (lock) {
            return syncs;
        }
    }
}
