package dev.flashcopy.rbd;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The test cluster's pool {@value TestCluster#POOL} through a connection of its own, for the scope the extension is
 * registered in: on a static field ({@code @RegisterExtension static final TestPool POOL = new TestPool();}) from
 * before the class's first test to after its last; on an instance field, around each test (a test that wants a
 * fresh client every time, as lock holders do). No cluster fails the test, saying how to start one ({@link
 * TestCluster#connect}). Not thread-safe: JUnit calls it from one thread.
 */
public final class TestPool implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private RadosCluster cluster;
    private Pool pool;
    /** Registered on a static field: the class's callbacks open and close it, the tests' leave it alone. */
    private boolean perClass;

    @Override
    public void beforeAll(ExtensionContext context) throws CephException {
        perClass = true;
        open();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws CephException {
        if (!perClass) {
            open();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!perClass) {
            close();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    public RadosCluster cluster() {
        return cluster;
    }

    public Pool pool() {
        return pool;
    }

    private void open() throws CephException {
        cluster = TestCluster.connect();
        pool = cluster.openPool(TestCluster.POOL);
    }

    private void close() {
        if (pool != null) {
            pool.close();
            pool = null;
        }
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }
}
