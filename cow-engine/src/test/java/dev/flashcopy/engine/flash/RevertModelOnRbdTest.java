package dev.flashcopy.engine.flash;

/** Every test of {@link RevertModelTest}, with the volumes and revert areas as RBD images. */
@OnRbd
class RevertModelOnRbdTest extends RevertModelTest {
    @Override
    int ops() {
        return 600;
    }
}
