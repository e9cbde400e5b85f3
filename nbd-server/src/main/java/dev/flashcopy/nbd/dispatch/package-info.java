/**
 * Where blocking work leaves the event loop. An {@link dev.flashcopy.nbd.dispatch.IoDispatcher} runs
 * {@link dev.flashcopy.nbd.dispatch.IoTask}s (device I/O, export look-ups) on threads that may block; each
 * task hands its completion back to its channel's event loop. Two implementations, chosen by
 * {@link dev.flashcopy.nbd.dispatch.IoDispatchers}: a fixed pool of platform threads
 * ({@link dev.flashcopy.nbd.dispatch.ThreadPoolDispatcher}), and an LMAX Disruptor ring
 * ({@link dev.flashcopy.nbd.dispatch.DisruptorDispatcher}) whose pipeline is:
 * <pre>
 *  event loop 1 ─┐ publishEvent(TRANSLATOR, request)     ┌─ IoStage 0   (seq % n == 0) ─┐ end of batch:
 *  event loop 2 ─┼──────────▶ [ ring of IoEvent slots ] ─┼─ IoStage 1   (seq % n == 1) ─┼─ one flush per device
 *       ...     ─┘ (multi-producer, blocking wait)       └─ IoStage n-1 ...            ─┘ for FUA + FLUSH, then
 *                                                          pread / pwrite(v) / CoW        replies to the loops
 * </pre>
 * Either also gives out {@link dev.flashcopy.nbd.dispatch.IoLane}s, one per key (a file): a
 * {@link dev.flashcopy.nbd.dispatch.SerialLane} runs its tasks one at a time on the same threads, for writes that
 * would only queue on one file's lock in the kernel if run at once, and hands their replies back together when its
 * queue runs dry, as a stage does at the end of its batch.
 */
package dev.flashcopy.nbd.dispatch;
