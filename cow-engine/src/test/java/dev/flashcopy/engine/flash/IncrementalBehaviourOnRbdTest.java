package dev.flashcopy.engine.flash;

/** Every test of {@link IncrementalBehaviourTest}, with the volumes and revert areas as RBD images. */
@OnRbd
class IncrementalBehaviourOnRbdTest extends IncrementalBehaviourTest {}
