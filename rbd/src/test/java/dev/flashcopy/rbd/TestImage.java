package dev.flashcopy.rbd;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh RBD image for each test, in a {@link TestPool}'s pool: made under a name no other run uses, opened, and
 * closed and removed after the test (also when the test closed it itself: closing is idempotent). Register it on an
 * instance field after the pool's extension: {@code @RegisterExtension final TestImage image = new TestImage(POOL,
 * "img", SIZE);}. Not thread-safe: JUnit calls it from one thread.
 */
public final class TestImage implements BeforeEachCallback, AfterEachCallback {
    private final TestPool pool;
    private final String prefix;
    private final long size;
    private String name;
    private RbdImage image;

    public TestImage(TestPool pool, String prefix, long size) {
        this.pool = pool;
        this.prefix = prefix;
        this.size = size;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws CephException {
        name = TestCluster.unique(prefix);
        RbdImage.create(pool.pool(), name, size);
        image = RbdImage.open(pool.pool(), name);
    }

    @Override
    public void afterEach(ExtensionContext context) throws CephException {
        if (image != null) {
            image.close();
            image = null;
        }
        if (name != null) {
            RbdImage.remove(pool.pool(), name);
        }
    }

    /** The image's name in the pool. */
    public String name() {
        return name;
    }

    /** The image, open since before the test. */
    public RbdImage image() {
        return image;
    }
}
