package dev.flashcopy.engine.withdraw;

import dev.flashcopy.engine.ending.EndingRecorder;
import dev.flashcopy.engine.ending.RelationshipEnding;
import dev.flashcopy.engine.membership.Membership;
import dev.flashcopy.engine.membership.Registry;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.relationship.Relationship;
import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.OptionalLong;

/**
 * The rules of {@code rmflash}: which withdrawals need {@code --cp} or {@code --force}, and what each does.
 * Not thread-safe: the engine calls it under its admin lock.
 */
public final class Withdrawal {
    private final Registry registry;
    private final Membership membership;
    private final Runnable wakeCopier;
    private final EndingRecorder ended;

    /** @param ended where each withdrawal says how its relationship ended (the engine's ending log) */
    public Withdrawal(Registry registry, Membership membership, Runnable wakeCopier, EndingRecorder ended) {
        this.registry = registry;
        this.membership = membership;
        this.wakeCopier = wakeCopier;
        this.ended = ended;
    }

    public WithdrawResult run(String source, String target, boolean copyFirst, boolean force, OptionalLong seqnum)
            throws IOException {
        Registry.Inactive dead = registry.findInactive(source, target).orElse(null);
        Relationship rel = registry.findLive(source, target).orElse(null);
        if (rel == null && dead == null) {
            throw new NoSuchElementException("no FlashCopy relationship " + source + ":" + target + " (see lsflash)");
        }
        long actual = rel != null ? rel.seqnum() : dead.record().seqnum();
        if (seqnum != null && seqnum.isPresent() && seqnum.getAsLong() != actual) {
            throw new IllegalArgumentException("seqnum: "
                    + Long.toHexString(seqnum.getAsLong()).toUpperCase()
                    + " (expected: " + Long.toHexString(actual).toUpperCase() + ", the seqnum of " + source + ":"
                    + target + ")");
        }
        if (dead != null) {
            if (!force) {
                throw new IllegalStateException("relationship " + source + ":" + target + " is inactive; withdraw"
                        + " it with --force (the target keeps whatever it has)");
            }
            membership.forget(dead);
            return new WithdrawResult(Registry.view(dead), true);
        }
        // Several extent relationships of one pair (made by separate establishes) are withdrawn together, as
        // rmflash SRC:TGT does on the DS8000; each must pass the checks before any goes.
        List<Relationship> all = registry.live.values().stream()
                .filter(r ->
                        r.source().name().equals(source) && r.target().name().equals(target))
                .sorted(Comparator.comparingLong(Relationship::id))
                .toList();
        for (Relationship r : all) {
            if (!r.toCopy().isEmpty() && !r.failed() && !copyFirst && !force) {
                long left = r.toCopy().count();
                throw new IllegalStateException("target " + target + " is not a full copy of " + source + " ("
                        + left + " of " + r.coveredGrains() + " grains still to copy); withdraw with --force"
                        + " to keep the partial target, or with --cp to finish the copy first");
            }
        }
        WithdrawResult result = null;
        for (Relationship r : all) {
            // A failed target holds no point in time any more: it is withdrawn as it is, like a forced withdraw.
            if (!r.toCopy().isEmpty() && !r.failed() && copyFirst) {
                r.reconfigure(CopyMode.COPY, false);
                membership.saveCatalog();
                wakeCopier.run();
                result = new WithdrawResult(Registry.view(r), false);
            } else {
                // Taken before the withdraw: its cleaning may change the bits, not whether the copy was complete.
                long left = r.toCopy().count();
                long covered = r.coveredGrains();
                boolean failed = r.failed();
                membership.withdraw(r);
                if (failed) {
                    ended.record(r, RelationshipEnding.Kind.FAILED, r.failedReason() + "; withdrawn by rmflash");
                } else if (left == 0) {
                    ended.record(
                            r, RelationshipEnding.Kind.COMPLETED, "withdrawn by rmflash after the copy" + " completed");
                } else {
                    ended.record(
                            r,
                            RelationshipEnding.Kind.WITHDRAWN,
                            "rmflash --force with " + left + " of "
                                    + covered + " grains still to copy ("
                                    + (r.mode() == CopyMode.NOCOPY ? "NOCOPY" : "COPY")
                                    + " mode)");
                }
                result = result == null || result.withdrawn() ? new WithdrawResult(Registry.view(r), true) : result;
            }
        }
        return result;
    }
}
