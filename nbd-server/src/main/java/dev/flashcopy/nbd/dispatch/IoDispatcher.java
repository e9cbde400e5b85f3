package dev.flashcopy.nbd.dispatch;

/**
 * Runs I/O tasks off the event loop. Implementations are thread-safe: every event loop dispatches
 * into one dispatcher.
 */
public interface IoDispatcher extends AutoCloseable {
    /** Runs {@code task.perform()} on an I/O thread, or {@code task.reject()} now when closed. */
    void dispatch(IoTask task);

    /**
     * The lane for {@code key} (compared by identity): its tasks run one at a time, in the order given, on this
     * dispatcher's threads. This default has no lanes: it runs them as {@link #dispatch} does.
     */
    default IoLane lane(Object key) {
        return this::dispatch;
    }

    /** Stops taking tasks and waits for those already taken to finish. */
    @Override
    void close();
}
