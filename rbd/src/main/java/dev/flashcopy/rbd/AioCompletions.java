package dev.flashcopy.rbd;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns librbd's asynchronous calls into {@link CompletableFuture}s. Each request gets an {@code rbd_completion_t}
 * whose callback argument is a number keying the pending future (never a Java object's address); one upcall stub,
 * made once, serves every completion. The upcall stays trivial: it reads the return value, releases the
 * completion and completes the future. It runs on a librbd thread, so anything chained to the future without an
 * {@code *Async} method runs there too and must not block.
 *
 * <p>Thread-safe: the pending table is concurrent; a request's buffer is held by its entry until it completes, so
 * librbd never writes into or reads from freed memory.
 */
final class AioCompletions {
    private record Pending(CompletableFuture<Long> future, String call, String subject, MemorySegment buffer) {}

    /** Submits one request on a completion; returns 0 or a negative errno, as the librbd call does. */
    @FunctionalInterface
    interface Submit {
        int submit(MemorySegment completion);
    }

    private static final ConcurrentHashMap<Long, Pending> PENDING = new ConcurrentHashMap<>();
    private static final AtomicLong NEXT_ID = new AtomicLong();
    private static final MemorySegment CALLBACK = callbackStub();

    private AioCompletions() {}

    private static MemorySegment callbackStub() {
        try {
            var target = MethodHandles.lookup()
                    .findStatic(
                            AioCompletions.class,
                            "onComplete",
                            MethodType.methodType(void.class, MemorySegment.class, MemorySegment.class));
            return Linker.nativeLinker().upcallStub(target, LibRbd.COMPLETION_CALLBACK, Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Starts a request: the future completes with librbd's return value (the byte count for reads, 0 otherwise)
     * or fails with a {@link CephException} naming {@code call} and {@code subject}. {@code buffer} (or null) is
     * kept reachable until then.
     */
    static CompletableFuture<Long> submit(String call, String subject, MemorySegment buffer, Submit request) {
        long id = NEXT_ID.incrementAndGet();
        CompletableFuture<Long> future = new CompletableFuture<>();
        PENDING.put(id, new Pending(future, call, subject, buffer));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            int rc = LibRbd.aioCreateCompletion(MemorySegment.ofAddress(id), CALLBACK, out);
            if (rc < 0) {
                PENDING.remove(id);
                future.completeExceptionally(new CephException("rbd_aio_create_completion", subject, -rc));
                return future;
            }
            MemorySegment completion = out.get(ValueLayout.ADDRESS, 0);
            rc = request.submit(completion);
            if (rc < 0) {
                // Refused before it was queued: librbd will not call back for it.
                PENDING.remove(id);
                LibRbd.aioRelease(completion);
                future.completeExceptionally(new CephException(call, subject, -rc));
            }
        } catch (RuntimeException | Error e) {
            PENDING.remove(id);
            throw e;
        }
        return future;
    }

    /** Requests submitted and not yet completed (for tests and metrics). */
    static int inFlight() {
        return PENDING.size();
    }

    /** The upcall. Nothing may be thrown back into librbd: a Java exception here would end the JVM. */
    private static void onComplete(MemorySegment completion, MemorySegment arg) {
        try {
            long result = LibRbd.aioReturnValue(completion);
            LibRbd.aioRelease(completion);
            Pending pending = PENDING.remove(arg.address());
            if (pending == null) {
                return;
            }
            if (result < 0) {
                pending.future.completeExceptionally(new CephException(pending.call, pending.subject, (int) -result));
            } else {
                pending.future.complete(result);
            }
        } catch (Throwable t) {
            // A dependent stage failed on this thread; the future already carries the outcome.
        }
    }
}
