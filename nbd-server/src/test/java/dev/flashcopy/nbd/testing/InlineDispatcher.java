package dev.flashcopy.nbd.testing;

import dev.flashcopy.nbd.dispatch.IoDispatcher;
import dev.flashcopy.nbd.dispatch.IoTask;

/**
 * Runs each task at once, on the caller's thread: for tests driving handlers through an {@code EmbeddedChannel},
 * where replies still come back through the channel's task queue, as on a real loop. Stateless.
 */
public final class InlineDispatcher implements IoDispatcher {
    public static final IoDispatcher INSTANCE = new InlineDispatcher();

    private InlineDispatcher() {}

    @Override
    public void dispatch(IoTask task) {
        task.perform();
    }

    @Override
    public void close() {}
}
