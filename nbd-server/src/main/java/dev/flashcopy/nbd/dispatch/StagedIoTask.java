package dev.flashcopy.nbd.dispatch;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockIoException;

/**
 * An {@link IoTask} whose work a pipeline may split in three: the device call, a sync it may owe
 * and let the pipeline share with other tasks (group commit), and the hand-back of its result to
 * the event loop, which the pipeline does at the end of a batch. {@link #perform()} is the three
 * in a row with no sharing. Each method runs once, in order, on one I/O thread.
 */
public interface StagedIoTask extends IoTask {
    /**
     * Does the device call; never throws. With {@code deferSync} a FUA write or a FLUSH may leave
     * its sync undone and return the device whose {@link BlockDevice#flush()} it still needs; the
     * caller then calls {@link #synced} after that flush. Returns null when nothing is owed.
     */
    BlockDevice execute(boolean deferSync);

    /** After the flush {@link #execute} asked for: {@code failure} is null when it succeeded. */
    void synced(BlockIoException failure);

    /** Posts the result to the task's event loop (or drops it when the loop is gone). */
    void handBack();

    /**
     * The bytes the device call moves (a WRITE's payload): a {@link SerialLane} holds replies only until they
     * cover {@link SerialLane#MAX_HELD_BYTES}, since a reply held behind large writes waits for long. 0 unless
     * the task says.
     */
    default long length() {
        return 0;
    }

    @Override
    default void perform() {
        BlockDevice owed = execute(false);
        if (owed != null) {
            throw new IllegalStateException("a sync was deferred without being asked to");
        }
        handBack();
    }
}
