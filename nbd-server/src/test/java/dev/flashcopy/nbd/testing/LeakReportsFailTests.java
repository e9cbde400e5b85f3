package dev.flashcopy.nbd.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Turns every Netty {@code LEAK:} report into a test failure. Registered for every test class of the
 * module (META-INF/services, with autodetection on in junit-platform.properties), it installs, before any
 * buffer class is loaded, a leak detector factory whose detectors record what they report (and still log
 * it). After each test class it collects garbage, which is when the detector learns that a buffer died
 * unreleased, makes the detector look (a tracked allocation polls its queue), and fails the class if
 * anything was reported since the last check. A leak is usually the class's own, but may be one an
 * earlier class left for the collector. On first use it checks itself with a buffer it leaks on purpose,
 * so detection that silently stopped working fails the run too. Thread-safe.
 */
public final class LeakReportsFailTests implements BeforeAllCallback, AfterAllCallback {
    private static final List<String> REPORTS = new ArrayList<>();
    private static boolean checkedItself;
    /** Set while the self-check's own leak is reported, which need not reach the log. */
    private static volatile boolean quiet;

    static {
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        synchronized (LeakReportsFailTests.class) {
            if (checkedItself) {
                return;
            }
            checkedItself = true;
        }
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        if (level != ResourceLeakDetector.Level.PARANOID) {
            throw new AssertionError("Netty leak detection is " + level + " (expected: PARANOID, set by"
                    + " -Dio.netty.leakDetection.level=paranoid in the surefire argLine)");
        }
        leakOnPurpose();
        quiet = true;
        List<String> found;
        try {
            found = collectReports();
        } finally {
            quiet = false;
        }
        if (found.isEmpty()) {
            throw new AssertionError("a buffer leaked on purpose was not reported: leak detection is not working"
                    + " (was a ByteBuf class loaded before this extension installed its detector factory?)");
        }
    }

    private static void leakOnPurpose() {
        UnpooledByteBufAllocator.DEFAULT.directBuffer(16).writeLong(0x4c45414b); // dropped unreleased
    }

    @Override
    public void afterAll(ExtensionContext context) {
        List<String> found = collectReports();
        if (!found.isEmpty()) {
            throw new AssertionError(found.size() + " Netty LEAK report(s) after " + context.getDisplayName()
                    + " (a buffer was dropped without release):\n" + String.join("\n\n", found));
        }
    }

    /** Collects garbage, lets the detectors report what died unreleased, and takes their reports. */
    private static List<String> collectReports() {
        for (int i = 0; i < 2; i++) {
            ReferenceQueue<Object> queue = new ReferenceQueue<>();
            WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
            System.gc();
            try {
                // Once the sentinel is queued, the references that collection cleared are being queued too.
                queue.remove(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            sentinel.clear();
        }
        ByteBuf probe = UnpooledByteBufAllocator.DEFAULT.directBuffer(1); // paranoid tracking polls the queue
        probe.release();
        synchronized (REPORTS) {
            List<String> found = List.copyOf(REPORTS);
            REPORTS.clear();
            return found;
        }
    }

    private static void record(String report) {
        synchronized (REPORTS) {
            REPORTS.add(report);
        }
    }

    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(
                Class<T> resource, int samplingInterval, long maxActive) {
            return new RecordingDetector<>(resource, samplingInterval);
        }
    }

    private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
        RecordingDetector(Class<T> resource, int samplingInterval) {
            super(resource, samplingInterval);
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            record("LEAK: " + resourceType + records);
            if (!quiet) {
                super.reportTracedLeak(resourceType, records);
            }
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            record("LEAK: " + resourceType + " (untraced)");
            if (!quiet) {
                super.reportUntracedLeak(resourceType);
            }
        }
    }
}
