package dev.flashcopy.engine.flash;

/** Every test of {@link EndingsBehaviourTest}, with the volumes and revert areas as RBD images. */
@OnRbd
class EndingsBehaviourOnRbdTest extends EndingsBehaviourTest {}
