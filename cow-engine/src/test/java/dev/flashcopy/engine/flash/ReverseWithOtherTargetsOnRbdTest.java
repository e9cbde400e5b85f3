package dev.flashcopy.engine.flash;

/** Every test of {@link ReverseWithOtherTargetsTest}, with the volumes and revert areas as RBD images. */
@OnRbd
class ReverseWithOtherTargetsOnRbdTest extends ReverseWithOtherTargetsTest {}
