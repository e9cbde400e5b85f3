package dev.flashcopy.engine.flash;

/**
 * Every test of {@link FlashCopyBehaviourOnRbdTest} with the copy-on-write chain on RBD instead of source views: what
 * a relationship that records changes does there, and what every relationship did before views.
 */
@OnRbd(sourceViews = false)
class FlashCopyBehaviourOnRbdChainTest extends FlashCopyBehaviourOnRbdTest {
    @Override
    boolean sourceWritesCopy() {
        return true;
    }
}
