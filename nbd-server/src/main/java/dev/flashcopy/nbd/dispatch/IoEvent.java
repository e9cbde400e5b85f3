package dev.flashcopy.nbd.dispatch;

import com.lmax.disruptor.EventFactory;
import com.lmax.disruptor.EventTranslatorOneArg;

/**
 * One slot of the ring: the task published into it. Slots are allocated once, with the ring, and
 * reused; the event loop fills a slot through {@link #TRANSLATOR} (static, so publishing captures
 * nothing) and the handler that owns the sequence empties it. Not thread-safe on its own: the
 * ring's sequences order every access.
 */
final class IoEvent {
    static final EventFactory<IoEvent> FACTORY = IoEvent::new;

    static final EventTranslatorOneArg<IoEvent, IoTask> TRANSLATOR = (event, sequence, task) -> event.task = task;

    IoTask task;

    /** Empties the slot so a finished request is not kept reachable by the ring. */
    IoTask take() {
        IoTask t = task;
        task = null;
        return t;
    }
}
