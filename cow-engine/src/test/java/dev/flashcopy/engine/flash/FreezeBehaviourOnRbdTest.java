package dev.flashcopy.engine.flash;

/** Every test of {@link FreezeBehaviourTest}, with the volumes and revert areas as RBD images. */
@OnRbd
class FreezeBehaviourOnRbdTest extends FreezeBehaviourTest {}
