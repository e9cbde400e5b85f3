package dev.flashcopy.engine.flash;

import dev.flashcopy.engine.copier.BackgroundCopier;
import dev.flashcopy.engine.membership.Membership;
import dev.flashcopy.engine.membership.Registry;
import dev.flashcopy.engine.membership.RelationshipJob;
import dev.flashcopy.engine.membership.RelationshipView;
import dev.flashcopy.engine.relationship.Relationship;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * Background copy as the admin layer and tests drive it: one step in the caller's thread, waiting for a copy to
 * finish, and a relationship's rate. Thread-safe for {@link #step} and {@link #awaitCopied}; {@link #setRate} runs
 * under the engine's admin lock.
 */
public final class CopyControl {
    private final FlashEngine engine;
    private final Registry registry;
    private final Membership membership;
    private final BackgroundCopier copier;

    CopyControl(FlashEngine engine, Registry registry, Membership membership, BackgroundCopier copier) {
        this.engine = engine;
        this.registry = registry;
        this.membership = membership;
        this.copier = copier;
    }

    /**
     * Runs up to {@code maxBytes} of background copy for {@code source:target} and ends the relationship when a
     * non-persistent COPY reaches 100 %. Returns grains still to copy (0 also when the relationship ended).
     */
    long step(String source, String target, long maxBytes, ByteBuffer buffer) throws IOException {
        Relationship rel = live(source, target);
        RelationshipJob job = (RelationshipJob) registry.jobs.get(rel.id());
        if (job == null || job.step(maxBytes, buffer).idle()) {
            engine.copyFinished(rel);
        }
        return engine.isLive(rel) ? rel.outOfSync() : 0;
    }

    boolean awaitCopied(String source, String target, Duration timeout) throws InterruptedException {
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

    RelationshipView setRate(String source, String target, int rateMiBps) throws IOException {
        Relationship rel = live(source, target);
        rel.setRateMiBps(rateMiBps);
        membership.saveCatalog();
        copier.wake();
        return Registry.view(rel);
    }

    private Relationship live(String source, String target) {
        return registry.findLive(source, target)
                .orElseThrow(() -> new NoSuchElementException(
                        "no FlashCopy relationship " + source + ":" + target + " (see lsflash)"));
    }
}
