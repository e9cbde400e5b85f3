package dev.flashcopy.engine.flash;

/** Every test of {@link ReferenceModelTest}, with the volumes and revert areas as RBD images. */
@OnRbd
class ReferenceModelOnRbdTest extends ReferenceModelTest {
    @Override
    int ops() {
        return 400;
    }
}
