package dev.flashcopy.engine.flash;

/** Every test of {@link DirtyMapBehaviourTest}, with the volumes and revert areas as RBD images. */
@OnRbd
class DirtyMapBehaviourOnRbdTest extends DirtyMapBehaviourTest {}
