package dev.flashcopy.engine.flash;

import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.relationship.Relationship;
import java.io.IOException;
import java.util.NoSuchElementException;
import java.util.OptionalLong;

/**
 * The rules of {@code rmflash}: which withdrawals need {@code --cp} or {@code --force}, and what each does.
 * Not thread-safe: the engine calls it under its admin lock.
 */
final class Withdrawal {
    private final Registry registry;
    private final Membership membership;
    private final Runnable wakeCopier;

    Withdrawal(Registry registry, Membership membership, Runnable wakeCopier) {
        this.registry = registry;
        this.membership = membership;
        this.wakeCopier = wakeCopier;
    }

    WithdrawResult run(String source, String target, boolean copyFirst, boolean force, OptionalLong seqnum)
            throws IOException {
        Registry.Inactive dead = registry.findInactive(source, target).orElse(null);
        Relationship rel = registry.findLive(source, target).orElse(null);
        if (rel == null && dead == null) {
            throw new NoSuchElementException("no FlashCopy relationship " + source + ":" + target + " (see lsflash)");
        }
        long actual = rel != null ? rel.seqnum() : dead.record().seqnum();
        if (seqnum != null && seqnum.isPresent() && seqnum.getAsLong() != actual) {
            throw new IllegalArgumentException("seqnum: " + Long.toHexString(seqnum.getAsLong()).toUpperCase()
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
        // A failed target holds no point in time any more: it is withdrawn as it is, like a forced withdraw.
        if (!rel.toCopy().isEmpty() && !rel.failed()) {
            if (copyFirst) {
                rel.reconfigure(CopyMode.COPY, false);
                membership.saveCatalog();
                wakeCopier.run();
                return new WithdrawResult(Registry.view(rel), false);
            }
            if (!force) {
                long left = rel.toCopy().count();
                throw new IllegalStateException("target " + target + " is not a full copy of " + source + " ("
                        + left + " of " + rel.coveredGrains() + " grains still to copy); withdraw with --force"
                        + " to keep the partial target, or with --cp to finish the copy first");
            }
        }
        membership.withdraw(rel);
        return new WithdrawResult(Registry.view(rel), true);
    }
}
