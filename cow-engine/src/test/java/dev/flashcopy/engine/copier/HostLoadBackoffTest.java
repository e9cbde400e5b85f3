package dev.flashcopy.engine.copier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The copier's back-off policy on a fake clock: host load in, copy share and pauses out. */
class HostLoadBackoffTest {
    private static final long MS = 1_000_000L;
    private static final long INTERVAL = HostLoadBackoff.INTERVAL_NANOS;

    /** A host that keeps {@code depth} writes in flight on average, and the clock, driven by the test. */
    private static final class FakeHost {
        long now = 1_000 * MS;
        long busy;

        /** Advances the clock by {@code nanos} with {@code depth} writes in flight on average meanwhile. */
        void run(long nanos, double depth) {
            now += nanos;
            busy += (long) (nanos * depth);
        }
    }

    /** Runs {@code intervals} measurement intervals at {@code depth}, asking the policy once per interval. */
    private static void drive(HostLoadBackoff b, FakeHost host, int intervals, double depth) {
        for (int i = 0; i < intervals; i++) {
            host.run(INTERVAL, depth);
            b.delayNanos(host.now, host.busy, 0);
        }
    }

    @Test
    void idleHostLetsTheCopierRunFlatOut() {
        HostLoadBackoff b = new HostLoadBackoff();
        FakeHost host = new FakeHost();
        drive(b, host, 5, 0);
        assertEquals(1.0, b.share(), 1e-9);
        assertEquals(0, b.delayNanos(host.now, host.busy, 0));
        b.stepped(host.now, host.now + 20 * MS);
        assertEquals(0, b.delayNanos(host.now + 20 * MS, host.busy, 0), "no pause after a step at full share");
    }

    @Test
    void shareFallsSmoothlyAsTheMeasuredLoadRises() {
        HostLoadBackoff b = new HostLoadBackoff();
        FakeHost host = new FakeHost();
        drive(b, host, 1, 0);
        double previous = b.share();
        for (int i = 0; i < 6; i++) { // a steady load: the share slides down step by step, no jump to the floor
            drive(b, host, 1, 0.5);
            assertTrue(b.share() < previous, "share " + b.share() + " after " + previous);
            assertTrue(b.share() > previous / 2 - 1e-9, "share halves at most per interval: " + b.share());
            previous = b.share();
        }
        assertEquals(0.5, b.load(), 1e-6);
        assertEquals(0.5, b.share(), 0.02, "half the time a write in flight: the copier gets about half");
        drive(b, host, 10, 2.0);
        assertEquals(0.2, b.share(), 0.01, "heavier load, smaller share: 1 / (1 + 2 / 0.5)");
    }

    @Test
    void pauseAfterAStepFollowsTheShare() {
        HostLoadBackoff b = new HostLoadBackoff();
        FakeHost host = new FakeHost();
        drive(b, host, 1, 0);
        drive(b, host, 20, 0.5); // share settles at 1/2
        long start = host.now;
        b.stepped(start, start + 10 * MS);
        long delay = b.delayNanos(start + 10 * MS, host.busy, 0);
        assertEquals(10 * MS, delay, MS / 10, "at share 1/2 the copier waits as long as its step took");
        assertEquals(0, b.delayNanos(start + 20 * MS, host.busy, 0));
    }

    @Test
    void busyHostSlowsTheCopyButNeverStopsIt() {
        HostLoadBackoff b = new HostLoadBackoff();
        FakeHost host = new FakeHost();
        drive(b, host, 1, 0);
        drive(b, host, 30, 64); // 64 writes in flight all the time
        assertEquals(HostLoadBackoff.MIN_SHARE, b.share(), 1e-9);
        b.stepped(host.now, host.now + 10 * MS);
        long delay = b.delayNanos(host.now + 10 * MS, host.busy, 0);
        assertEquals(190 * MS, delay, MS, "5 % of the time: 10 ms of copy, then 190 ms of pause");
        b.stepped(host.now, host.now + 500 * MS);
        assertEquals(
                HostLoadBackoff.MAX_PAUSE_NANOS,
                b.delayNanos(host.now + 500 * MS, host.busy, 0),
                "a long step's pause is capped");
    }

    @Test
    void yieldsToWritesInFlightAtMostMaxYieldsInARow() {
        HostLoadBackoff b = new HostLoadBackoff();
        FakeHost host = new FakeHost();
        drive(b, host, 2, 0);
        for (int i = 0; i < HostLoadBackoff.MAX_YIELDS; i++) {
            host.run(HostLoadBackoff.YIELD_NANOS, 0);
            assertEquals(HostLoadBackoff.YIELD_NANOS, b.delayNanos(host.now, host.busy, 3), "yield " + i);
        }
        host.run(HostLoadBackoff.YIELD_NANOS, 0);
        assertEquals(
                0,
                b.delayNanos(host.now, host.busy, 3),
                "after " + HostLoadBackoff.MAX_YIELDS + " yields in a row the copier steps anyway");
        host.run(HostLoadBackoff.YIELD_NANOS, 0);
        assertEquals(HostLoadBackoff.YIELD_NANOS, b.delayNanos(host.now, host.busy, 3), "and the count starts over");
    }

    @Test
    void shareRecoversWhenTheHostGoesQuiet() {
        HostLoadBackoff b = new HostLoadBackoff();
        FakeHost host = new FakeHost();
        drive(b, host, 1, 0);
        drive(b, host, 30, 8);
        assertTrue(b.share() < 0.1, "share " + b.share());
        drive(b, host, 10, 0);
        assertTrue(b.share() > 0.99, "a quiet second later the copier is back near full speed: " + b.share());
    }

    @Test
    void shortGapsDoNotCloseAMeasurementInterval() {
        HostLoadBackoff b = new HostLoadBackoff();
        FakeHost host = new FakeHost();
        drive(b, host, 1, 0);
        for (int i = 0; i < 9; i++) { // 90 ms of heavy load, asked every 10 ms: still inside one interval
            host.run(10 * MS, 8);
            b.delayNanos(host.now, host.busy, 0);
        }
        assertEquals(1.0, b.share(), 1e-9);
        host.run(10 * MS, 8);
        b.delayNanos(host.now, host.busy, 0);
        assertEquals(8, b.load(), 1e-6, "the interval closes at 100 ms and measures its mean depth");
        assertTrue(b.share() < 1.0);
    }
}
