package dev.flashcopy.nbd.dispatch;

/**
 * Runs I/O tasks off the event loop. Implementations are thread-safe: every event loop dispatches
 * into one dispatcher.
 */
public interface IoDispatcher extends AutoCloseable {
    /** Runs {@code task.perform()} on an I/O thread, or {@code task.reject()} now when closed. */
    void dispatch(IoTask task);

    /** Stops taking tasks and waits for those already taken to finish. */
    @Override
    void close();
}
