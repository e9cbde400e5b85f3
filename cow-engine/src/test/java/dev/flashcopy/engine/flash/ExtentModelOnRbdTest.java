package dev.flashcopy.engine.flash;

/** Every test of {@link ExtentModelTest}, with the volumes and revert areas as RBD images. */
@OnRbd
class ExtentModelOnRbdTest extends ExtentModelTest {
    @Override
    int ops() {
        return 1500;
    }
}
