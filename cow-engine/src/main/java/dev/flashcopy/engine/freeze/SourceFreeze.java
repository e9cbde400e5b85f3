package dev.flashcopy.engine.freeze;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The consistency-group freeze ({@code mkflash --freeze}): source volumes whose host writes, trims and zeroes
 * are held, not failed, until {@code unfreezeflash} names them or their deadline passes, as a DS8000 source
 * stays in extended long busy until the freeze is reset or times out. A held request waits in
 * {@link #awaitThawed}; nothing is persisted, since a restart has no held writes to keep.
 *
 * <p>Freezing a frozen volume again moves its deadline; each deadline is checked by one timer thread, which
 * thaws only a freeze whose deadline is still the one it was scheduled for.
 *
 * <p>Thread-safe: the frozen set is a concurrent map read without locking on every write (the fast path);
 * changes and waits use one lock and its condition.
 */
public final class SourceFreeze implements AutoCloseable {
    /** Generation and deadline of one volume's freeze, and what completes when it ends. */
    private record Hold(long generation, Instant until, CompletableFuture<Void> released) {}

    private final ConcurrentHashMap<String, Hold> frozen = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition thawed = lock.newCondition();
    private final AtomicLong generations = new AtomicLong();
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final AtomicLong heldNow = new AtomicLong();
    private volatile boolean closed;

    public SourceFreeze(Clock clock) {
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "flashcopy-freeze-timer");
            t.setDaemon(true);
            return t;
        });
    }

    /** Holds new writes to {@code volumes} from now until thawed or {@code timeout} has passed. */
    public void freeze(Collection<String> volumes, Duration timeout) {
        if (closed) {
            throw new IllegalStateException("the FlashCopy engine is closed");
        }
        FreezeOptions.checkTimeout(timeout);
        Instant until = clock.instant().plus(timeout);
        lock.lock();
        try {
            for (String v : volumes) {
                long generation = generations.incrementAndGet();
                Hold before = frozen.get(v);
                CompletableFuture<Void> released = before != null ? before.released() : new CompletableFuture<>();
                frozen.put(v, new Hold(generation, until, released));
                timer.schedule(() -> expire(v, generation), timeout.toNanos(), TimeUnit.NANOSECONDS);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Releases the held writes of {@code volumes} (all frozen volumes when empty); returns those released. */
    public List<String> unfreeze(Collection<String> volumes) {
        List<String> released = new ArrayList<>();
        lock.lock();
        try {
            Collection<String> names = volumes.isEmpty() ? List.copyOf(frozen.keySet()) : volumes;
            for (String v : names) {
                Hold h = frozen.remove(v);
                if (h != null) {
                    released.add(v);
                    h.released().complete(null);
                }
            }
            thawed.signalAll();
        } finally {
            lock.unlock();
        }
        released.sort(null);
        return released;
    }

    /** Work done under the engine's admin lock that may fail. */
    public interface Work<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code work} (an establish or resync) with {@code sources} frozen first when {@code options} asks:
     * frozen before the write gates close, so writes that arrive while in-flight ones drain are held too,
     * and they stay held after T0. Should the work fail, the freezes it made are undone.
     */
    public <T> T around(Collection<String> sources, FreezeOptions options, Work<T> work) throws IOException {
        if (!options.freeze()) {
            return work.run();
        }
        List<String> fresh =
                sources.stream().distinct().filter(v -> !frozen.containsKey(v)).toList();
        freeze(sources, options.timeout());
        try {
            return work.run();
        } catch (IOException | RuntimeException e) {
            if (!fresh.isEmpty()) { // an empty list would mean every frozen volume
                unfreeze(fresh);
            }
            throw e;
        }
    }

    public boolean isFrozen(String volume) {
        return !frozen.isEmpty() && frozen.containsKey(volume);
    }

    /** Null when {@code volume} is not frozen, else a stage that completes when its freeze ends. */
    public CompletionStage<Void> releaseOf(String volume) {
        if (frozen.isEmpty()) {
            return null;
        }
        Hold h = frozen.get(volume);
        return h == null ? null : h.released().minimalCompletionStage();
    }

    /** The deadline of {@code volume}'s freeze, if it is frozen. */
    public Optional<Instant> frozenUntil(String volume) {
        return Optional.ofNullable(frozen.get(volume)).map(Hold::until);
    }

    /** Every frozen volume with its deadline, by name. */
    public Map<String, Instant> frozenVolumes() {
        Map<String, Instant> all = new TreeMap<>();
        frozen.forEach((v, h) -> all.put(v, h.until()));
        return all;
    }

    /** Requests waiting in {@link #awaitThawed} right now. */
    public long heldRequests() {
        return heldNow.get();
    }

    /** Blocks while {@code volume} is frozen. */
    public void awaitThawed(String volume) throws InterruptedException {
        lock.lock();
        heldNow.incrementAndGet();
        try {
            while (frozen.containsKey(volume)) {
                thawed.await();
            }
        } finally {
            heldNow.decrementAndGet();
            lock.unlock();
        }
    }

    private void expire(String volume, long generation) {
        lock.lock();
        try {
            Hold h = frozen.get(volume);
            if (h != null && h.generation() == generation) {
                frozen.remove(volume);
                h.released().complete(null);
                thawed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Releases every held write and stops the timer: a server going down completes what it holds. */
    @Override
    public void close() {
        closed = true;
        unfreeze(List.of());
        timer.shutdownNow();
    }
}
