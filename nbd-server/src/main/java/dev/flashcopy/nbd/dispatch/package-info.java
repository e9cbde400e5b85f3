/**
 * Where blocking work leaves the event loop. An {@link dev.flashcopy.nbd.dispatch.IoDispatcher}
 * runs {@link dev.flashcopy.nbd.dispatch.IoTask}s (device I/O, export look-ups) on threads that
 * may block; each task posts its own completion back to its channel's event loop. Today a fixed
 * pool of platform threads does it ({@link dev.flashcopy.nbd.dispatch.ThreadPoolDispatcher});
 * a Disruptor ring can replace it behind the same interface.
 */
package dev.flashcopy.nbd.dispatch;
