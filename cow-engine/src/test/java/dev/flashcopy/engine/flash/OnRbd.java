package dev.flashcopy.engine.flash;

import dev.flashcopy.engine.image.StoreKind;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a behaviour test class's engine fixtures over RBD images in the test cluster instead of files: a subclass
 * marked with it ({@code @OnRbd class FlashCopyBehaviourOnRbdTest extends FlashCopyBehaviourTest {}}) runs every
 * test of its parent again, so the same assertions hold on both stores. Fixtures on a simulated disk stay on files:
 * the power-loss tests simulate the file system.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@ExtendWith(OnRbd.Extension.class)
@interface OnRbd {
    /**
     * Whether relationships keep T0 in snapshots of their sources, as a server on RBD does; false runs the
     * copy-on-write chain on RBD instead (what a relationship that records changes does there).
     */
    boolean sourceViews() default true;

    /** Sets the store kind fixtures take for the duration of the class (surefire runs classes one at a time). */
    final class Extension implements BeforeAllCallback, AfterAllCallback {
        private static volatile StoreKind current = StoreKind.FILE;
        private static volatile boolean sourceViews = true;

        static StoreKind current() {
            return current;
        }

        /** Whether fixtures on RBD take source views (see {@link OnRbd#sourceViews()}). */
        static boolean sourceViews() {
            return sourceViews;
        }

        @Override
        public void beforeAll(ExtensionContext context) {
            current = StoreKind.RBD;
            OnRbd marked = context.getRequiredTestClass().getAnnotation(OnRbd.class);
            sourceViews = marked == null || marked.sourceViews();
        }

        @Override
        public void afterAll(ExtensionContext context) {
            current = StoreKind.FILE;
            sourceViews = true;
        }
    }
}
