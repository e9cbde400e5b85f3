package dev.flashcopy.engine.flash;

import org.junit.jupiter.api.Disabled;

/** Every test of {@link CascadeBehaviourTest}, with the volumes and revert areas as RBD images. */
@OnRbd
class CascadeBehaviourOnRbdTest extends CascadeBehaviourTest {
    /** Not on RBD: it takes the top volume away by moving its image file (RestartIT does the like over RBD). */
    @Override
    @Disabled("moves an image file; an RBD image has none")
    void aMissingTopVolumeLeavesTheWholeCascadeBelowItInactive() {}
}
