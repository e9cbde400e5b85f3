package dev.flashcopy.engine.flash;

import dev.flashcopy.engine.copier.BackgroundCopier;
import dev.flashcopy.engine.ending.EndingRecorder;
import dev.flashcopy.engine.ending.RelationshipEnding;
import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.journal.Journal;
import dev.flashcopy.engine.membership.Membership;
import dev.flashcopy.engine.membership.Registry;
import dev.flashcopy.engine.membership.RelationshipJob;
import dev.flashcopy.engine.membership.RelationshipView;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.relationship.Relationship;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Background copy as the admin layer and tests drive it ({@link FlashEngine#copies()}): one step in the caller's
 * thread, waiting for a copy to finish, a relationship's rate, and the end of a non-persistent COPY relationship
 * at 100 %. Thread-safe: {@link #setRate} and {@link #finished} take the engine's admin lock.
 */
public final class CopyControl {
    private final ReentrantLock admin;
    private final BooleanSupplier closed;
    private final Journal journal;
    private final Registry registry;
    private final Membership membership;
    private final BackgroundCopier copier;
    private final EndingRecorder ended;
    private final ThreadLocal<ByteBuffer> stepBuffers =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(1 << 20));

    CopyControl(
            ReentrantLock admin,
            BooleanSupplier closed,
            Journal journal,
            Registry registry,
            Membership membership,
            BackgroundCopier copier,
            EndingRecorder ended) {
        this.admin = admin;
        this.closed = closed;
        this.journal = journal;
        this.registry = registry;
        this.membership = membership;
        this.copier = copier;
        this.ended = ended;
    }

    /**
     * Runs up to {@code maxBytes} of background copy for {@code source:target} in the calling thread (tests, tools,
     * or a copier-less engine) and ends the relationship when a non-persistent COPY reaches 100 %. Returns grains
     * still to copy (0 also when the relationship ended).
     */
    public long step(String source, String target, long maxBytes) throws IOException {
        Relationship rel = live(source, target);
        RelationshipJob job = (RelationshipJob) registry.jobs.get(rel.id());
        if (job == null || job.step(maxBytes, stepBuffers.get()).idle()) {
            finished(rel);
        }
        return registry.isLive(rel) ? rel.outOfSync() : 0;
    }

    /** Waits until {@code source:target} has nothing left to copy or is gone; false on timeout. */
    public boolean awaitCopied(String source, String target, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<Relationship> rel = registry.findLive(source, target);
            if (rel.isEmpty() || rel.get().complete()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            copier.wake();
            Thread.sleep(5);
        }
    }

    /** Sets a relationship's background copy rate, MiB/s (0 = unlimited). */
    public RelationshipView setRate(String source, String target, int rateMiBps) throws IOException {
        EstablishOptions.checkRate(rateMiBps);
        admin.lock();
        try {
            if (closed.getAsBoolean()) {
                throw new IllegalStateException("the FlashCopy engine is closed");
            }
            Relationship rel = live(source, target);
            rel.setRateMiBps(rateMiBps);
            membership.saveCatalog();
            copier.wake();
            return Registry.view(rel);
        } finally {
            admin.unlock();
        }
    }

    /** Called when a copy step found nothing left: ends a non-persistent COPY relationship. */
    void finished(Relationship rel) throws IOException {
        admin.lock();
        try {
            if (closed.getAsBoolean() || !registry.isLive(rel)) {
                return;
            }
            // Durability: progress of the last steps; nothing after this depends on it but restarts.
            journal.commitAll();
            if (rel.mode() == CopyMode.COPY && !rel.persistent() && rel.complete()) {
                membership.withdraw(rel);
                ended.record(
                        rel,
                        RelationshipEnding.Kind.COMPLETED,
                        "the background copy reached 100 %; a non-persistent COPY relationship then ends");
            } else if (rel.complete()) {
                membership.copied(rel); // the target holds all of T0: a view holds nothing it needs
            }
        } finally {
            admin.unlock();
        }
    }

    private Relationship live(String source, String target) {
        return registry.findLive(source, target)
                .orElseThrow(() -> new NoSuchElementException(
                        "no FlashCopy relationship " + source + ":" + target + " (see lsflash)"));
    }
}
