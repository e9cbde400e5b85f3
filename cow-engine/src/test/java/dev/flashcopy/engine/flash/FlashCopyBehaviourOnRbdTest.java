package dev.flashcopy.engine.flash;

import org.junit.jupiter.api.Disabled;

/**
 * Every test of {@link FlashCopyBehaviourTest}, with the volumes and revert areas as RBD images, but two that state
 * allocation at a file system's block granularity: RBD maps allocation by object extents (VolumeImageTest holds its
 * map to that), so a hole there is not a grain-exact hole. A source write copies nothing here (the relationship's T0
 * is a snapshot of the source), which the two tests that count copies expect.
 */
@OnRbd
class FlashCopyBehaviourOnRbdTest extends FlashCopyBehaviourTest {
    /** RBD keeps T0 as a snapshot of the source: a source write copies nothing. */
    @Override
    boolean sourceWritesCopy() {
        return false;
    }

    @Override
    @Disabled("allocation map at file-system block granularity; RBD maps by object extents")
    void targetAllocationFollowsTheViewHolder() {}

    @Override
    @Disabled("space held at file-system block granularity; RBD allocates by object extents")
    void copyModeEndsNonPersistentRelationshipAndLeavesTargetSparse() {}
}
