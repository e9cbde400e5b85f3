package dev.flashcopy.nbd.client;

import dev.flashcopy.engine.device.BlockIoException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** Waiting for request futures on behalf of a blocking device call, failures turned into block errors. Stateless. */
final class Completions {
    private Completions() {}

    /**
     * Waits for every future, even after one failed (a READ's pieces write into the caller's buffer), then throws the
     * first failure.
     */
    static void awaitAll(List<CompletableFuture<?>> parts) throws BlockIoException {
        BlockIoException first = null;
        for (CompletableFuture<?> part : parts) {
            try {
                await(part);
            } catch (BlockIoException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    static <T> T await(CompletableFuture<T> f) throws BlockIoException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    // The reply may still write into the caller's buffer: wait for it, then say we were interrupted.
                    interrupted = true;
                }
            }
        } catch (ExecutionException e) {
            throw RemoteErrors.of(e.getCause());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
