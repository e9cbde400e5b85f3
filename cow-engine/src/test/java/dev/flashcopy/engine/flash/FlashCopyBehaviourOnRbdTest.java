package dev.flashcopy.engine.flash;

import org.junit.jupiter.api.Disabled;

/**
 * Every test of {@link FlashCopyBehaviourTest}, with the volumes and revert areas as RBD images, but two that state
 * allocation at a file system's block granularity: RBD maps allocation by object extents (VolumeImageTest holds its
 * map to that), so a hole there is not a grain-exact hole.
 */
@OnRbd
class FlashCopyBehaviourOnRbdTest extends FlashCopyBehaviourTest {
    @Override
    @Disabled("allocation map at file-system block granularity; RBD maps by object extents")
    void targetAllocationFollowsTheViewHolder() {}

    @Override
    @Disabled("space held at file-system block granularity; RBD allocates by object extents")
    void copyModeEndsNonPersistentRelationshipAndLeavesTargetSparse() {}
}
