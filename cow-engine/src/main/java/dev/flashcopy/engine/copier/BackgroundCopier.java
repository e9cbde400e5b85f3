package dev.flashcopy.engine.copier;

import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The copier thread. Each round it runs maintenance, then gives every job that wants copy one step
 * ({@code stepBytes} of device range) unless the job's rate limit says wait or its {@link HostLoadBackoff}
 * does: that one measures the host write load on the job's volumes and lowers the copy's share of time
 * smoothly as it grows, never to nothing, so a busy host slows the copy but cannot starve it. With nothing to
 * do it sleeps until {@link #wake()} or 100 ms pass.
 *
 * <p>Thread-safe: {@link #wake()} and {@link #close()} may be called from any thread; everything else
 * runs on the copier thread.
 */
public final class BackgroundCopier implements AutoCloseable {
    private static final long IDLE_NANOS = 100_000_000L;

    private final Supplier<List<CopyJob>> jobs;
    private final Runnable maintenance;
    private final Consumer<Exception> problems;
    private final boolean copying;
    private final long stepBytes;
    private final Thread thread;
    private final Object signal = new Object();
    private final Map<CopyJob, JobClock> clocks = new IdentityHashMap<>();
    private boolean woken;
    private volatile boolean closed;

    /** Pacing and measurement for one job; copier thread only. */
    private static final class JobClock {
        final RateLimiter limiter = new RateLimiter();
        final HostLoadBackoff backoff = new HostLoadBackoff();
        long windowStart = System.nanoTime();
        long windowBytes;
    }

    /**
     * @param copying false runs maintenance only (tests drive copy steps themselves)
     * @param problems told about failed steps and maintenance; the copier backs off and carries on
     */
    public BackgroundCopier(
            Supplier<List<CopyJob>> jobs,
            Runnable maintenance,
            Consumer<Exception> problems,
            boolean copying,
            long stepBytes) {
        this.jobs = jobs;
        this.maintenance = maintenance;
        this.problems = problems;
        this.copying = copying;
        this.stepBytes = stepBytes;
        this.thread = Thread.ofPlatform().daemon().name("flashcopy-copier").unstarted(this::run);
    }

    public void start() {
        thread.start();
    }

    /** New work (an establish, a rate change): stop sleeping. */
    public void wake() {
        synchronized (signal) {
            woken = true;
            signal.notifyAll();
        }
    }

    private void run() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
        while (!closed) {
            long sleep = IDLE_NANOS;
            try {
                maintenance.run();
                if (copying) {
                    sleep = round(buffer);
                }
            } catch (Exception e) {
                problems.accept(e);
                sleep = 1_000_000_000L;
            }
            if (sleep > 0) {
                pause(sleep);
            }
        }
    }

    /** One step for each job that may run; returns how long to sleep (0 when work was done). */
    private long round(ByteBuffer buffer) throws Exception {
        List<CopyJob> current = jobs.get();
        Set<CopyJob> present = Collections.newSetFromMap(new IdentityHashMap<>());
        present.addAll(current);
        clocks.keySet().retainAll(present); // forget withdrawn relationships
        long sleep = IDLE_NANOS;
        for (CopyJob job : current) {
            if (closed || !job.wantsCopy()) {
                continue;
            }
            JobClock clock = clocks.computeIfAbsent(job, j -> new JobClock());
            long now = System.nanoTime();
            long wait = clock.limiter.delayNanos(job.rateMiBps(), now);
            if (wait > 0) {
                sleep = Math.min(sleep, wait);
                continue;
            }
            wait = clock.backoff.delayNanos(now, job.hostBusyNanos(), job.hostWritesInFlight());
            if (wait > 0) {
                sleep = Math.min(sleep, wait); // host I/O first
                continue;
            }
            long started = now;
            var progress = job.step(stepBytes, buffer);
            now = System.nanoTime();
            clock.backoff.stepped(started, now);
            if (progress.idle()) {
                job.measured(0);
                job.finished();
                continue;
            }
            clock.limiter.consumed(progress.dataBytes(), job.rateMiBps(), now);
            clock.windowBytes += progress.coveredBytes();
            if (now - clock.windowStart >= 1_000_000_000L) {
                job.measured(clock.windowBytes / 1048576.0 / ((now - clock.windowStart) / 1e9));
                clock.windowStart = now;
                clock.windowBytes = 0;
            }
            sleep = 0;
        }
        return sleep;
    }

    private void pause(long nanos) {
        synchronized (signal) {
            if (!woken && !closed) {
                try {
                    signal.wait(Math.max(1, nanos / 1_000_000L));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    closed = true;
                }
            }
            woken = false;
        }
    }

    /** Stops the thread after its current step and waits for it. */
    @Override
    public void close() {
        closed = true;
        wake();
        if (thread.isAlive() && Thread.currentThread() != thread) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
