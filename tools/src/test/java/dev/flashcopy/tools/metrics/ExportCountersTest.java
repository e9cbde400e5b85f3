package dev.flashcopy.tools.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.nbd.protocol.NbdCommand;
import dev.flashcopy.nbd.protocol.NbdError;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-export counters: what each request adds, histogram buckets, and no lost updates under contention. */
class ExportCountersTest {
    @Test
    void successfulReadsAndWritesCountBytesErrorsDoNot() {
        ExportCounters c = new ExportCounters();
        c.request(NbdCommand.READ, 4096, 10_000, null);
        c.request(NbdCommand.WRITE, 512, 10_000, null);
        c.request(NbdCommand.WRITE, 0, 10_000, NbdError.EPERM);
        c.request(null, 0, 1_000, NbdError.EINVAL);
        assertEquals(1, c.requests(NbdCommand.READ));
        assertEquals(2, c.requests(NbdCommand.WRITE));
        assertEquals(1, c.requests(null), "unknown command types are counted apart");
        assertEquals(4096, c.bytesRead());
        assertEquals(512, c.bytesWritten());
        assertEquals(1, c.errors(NbdError.EPERM));
        assertEquals(1, c.errors(NbdError.EINVAL));
        assertEquals(0, c.errors(NbdError.EIO));
    }

    @Test
    void loopHoldsGoToTheirCommandsHistogramOnAMicrosecondLadder() {
        ExportCounters c = new ExportCounters();
        c.loopHeld(NbdCommand.WRITE, 1_000); // exactly the first bound, 1 µs
        c.loopHeld(NbdCommand.WRITE, 12_000_000); // a stall: above 10 ms, at or below 50 ms
        c.loopHeld(NbdCommand.READ, 3_000);
        LatencyHistogram writes = c.loopHolds(true);
        assertEquals(0.000001, writes.boundSeconds(0));
        long[] cumulative = writes.cumulative();
        assertEquals(1, cumulative[0]);
        assertEquals(1, cumulative[12], "at or below 10 ms");
        assertEquals(2, cumulative[13], "at or below 50 ms");
        assertEquals(2, cumulative[cumulative.length - 1]);
        assertEquals(1, c.loopHolds(false).cumulative()[cumulative.length - 1], "reads apart");
        assertEquals(0, c.requests(NbdCommand.WRITE), "a hold is not a request");
    }

    @Test
    void latencyLandsInTheFirstBucketWhoseBoundIsNotBelowIt() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(25_000); // exactly the first bound: le is inclusive
        h.record(25_001);
        h.record(3_000_000);
        h.record(60_000_000_000L); // above every bound: only +Inf
        long[] cumulative = h.cumulative();
        assertEquals(LatencyHistogram.BUCKET_COUNT + 1, cumulative.length);
        assertEquals(1, cumulative[0]);
        assertEquals(2, cumulative[1]);
        assertEquals(3, cumulative[LatencyHistogram.BUCKET_COUNT - 1]);
        assertEquals(4, cumulative[LatencyHistogram.BUCKET_COUNT]);
        assertEquals(0.000025, new LatencyHistogram().boundSeconds(0));
        assertEquals(60.003050001, h.sumSeconds(), 1e-9);
    }

    @Test
    void concurrentRecordersLoseNothing() throws Exception {
        ExportCounters c = new ExportCounters();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 100_000; i++) {
                    c.request(NbdCommand.WRITE, 4096, 50_000, null);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(800_000, c.requests(NbdCommand.WRITE));
        assertEquals(800_000L * 4096, c.bytesWritten());
        assertEquals(800_000, c.latency().cumulative()[LatencyHistogram.BUCKET_COUNT]);
    }

    @Test
    void oneCounterSetPerExportName() {
        NbdMetrics m = new NbdMetrics();
        assertSame(m.export("a"), m.export("a"));
        m.export("b");
        assertArrayEquals(new String[] {"a", "b"}, m.exports().keySet().toArray(String[]::new));
        assertTrue(m.exports().get("a").latency().cumulative()[0] == 0);
    }
}
