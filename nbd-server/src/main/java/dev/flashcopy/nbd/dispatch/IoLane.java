package dev.flashcopy.nbd.dispatch;

/**
 * Where tasks that must not run concurrently with each other go: see {@link IoDispatcher#lane(Object)}.
 * Implementations are thread-safe.
 */
@FunctionalInterface
public interface IoLane {
    /** Runs {@code task.perform()} on an I/O thread after the lane's earlier tasks, or {@code task.reject()}. */
    void dispatch(IoTask task);

    /**
     * True when no task of the lane is queued or running at this moment, so work done now elsewhere (an inline
     * write on an event loop) comes after every task given to it so far. A lane that cannot tell says false.
     */
    default boolean idle() {
        return false;
    }
}
