package dev.flashcopy.nbd.dispatch;

/**
 * Work that may block on a disk. {@link #perform()} runs once, on a dispatcher thread; it must
 * not throw (failures become replies) and hands its result back to the event loop itself.
 * {@link #reject()} runs instead when the dispatcher is closed, on the caller's thread, so the
 * task can release what it holds.
 */
public interface IoTask {
    void perform();

    void reject();
}
