package dev.flashcopy.rbd;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Monitor and placement-group commands (the JSON that {@code ceph} sends), and what we need them for beyond the
 * blocklist: waiting until a pool's placement groups have an OSD map epoch. {@code rados_blocklist_add} returns
 * once the calling client has the map with the entry, but each placement group checks a client against the map it
 * has itself, which follows some milliseconds later (measured here: a fenced client still wrote once within 30 ms
 * in half the tries); a fence is in effect in a pool only once all its placement groups have the map.
 *
 * <p>Thread-safe: stateless; librados serialises commands. Every wait is bounded, the calls into librados too.
 */
final class ClusterCommands {
    private static final Pattern EPOCH = Pattern.compile("\"epoch\":(\\d+)");
    private static final long POLL_MILLIS = 10;

    private ClusterCommands() {}

    /**
     * Returns once every placement group of {@code pool} uses the cluster's current OSD map epoch or a later one;
     * ETIMEDOUT after {@code timeout}.
     */
    static void awaitCurrentMapInPool(MemorySegment cluster, String pool, Duration timeout) throws CephException {
        String dump = mon(cluster, "{\"prefix\": \"osd dump\", \"format\": \"json\"}");
        long epoch = epoch(dump, "osd dump");
        Matcher poolEntry = Pattern.compile(
                        "\\{\"pool\":(\\d+),\"pool_name\":\"" + Pattern.quote(pool) + "\".*?\"pg_num\":(\\d+)")
                .matcher(dump);
        if (!poolEntry.find()) {
            throw new CephException("osd dump", "no pool " + pool, Errno.ENOENT);
        }
        long poolId = Long.parseLong(poolEntry.group(1));
        int pgs = Integer.parseInt(poolEntry.group(2));
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int pg = 0; pg < pgs; pg++) {
            String pgid = poolId + "." + Integer.toHexString(pg);
            while (epoch(pgQuery(cluster, pgid, deadline), pgid) < epoch) {
                if (System.nanoTime() - deadline > 0) {
                    throw new CephException("pg query", pgid + " below map epoch " + epoch, Errno.ETIMEDOUT);
                }
                try {
                    Thread.sleep(POLL_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CephException("pg query", "interrupted waiting for " + pgid, Errno.EINTR);
                }
            }
        }
    }

    /**
     * One {@code pg query}, given up with ETIMEDOUT at {@code deadline}: {@code rados_pg_command} has no timeout of
     * its own, and an OSD that took the command and never answers would hold a takeover for ever. The call goes on
     * in its own daemon thread, which ends when librados answers or the connection shuts down; nothing waits for it.
     */
    private static String pgQuery(MemorySegment cluster, String pgid, long deadline) throws CephException {
        CompletableFuture<String> answer = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("flashcopy-pg-query").start(() -> {
            try {
                answer.complete(run(
                        cluster, pgid, "{\"prefix\": \"query\", \"pgid\": \"" + pgid + "\", \"format\": \"json\"}"));
            } catch (CephException | RuntimeException e) {
                answer.completeExceptionally(e);
            }
        });
        try {
            return answer.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new CephException("pg query", pgid + " did not answer", Errno.ETIMEDOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CephException("pg query", "interrupted waiting for " + pgid, Errno.EINTR);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof CephException c) {
                throw c;
            }
            throw (RuntimeException) e.getCause();
        }
    }

    /** The first {@code "epoch"} in a JSON answer: the map's in {@code osd dump}, the group's in {@code pg query}. */
    private static long epoch(String json, String what) throws CephException {
        Matcher m = EPOCH.matcher(json);
        if (!m.find()) {
            throw new CephException(what, "no epoch in its answer", Errno.EIO);
        }
        return Long.parseLong(m.group(1));
    }

    /** Runs a monitor command; returns its output (JSON when asked for). */
    static String mon(MemorySegment cluster, String json) throws CephException {
        return run(cluster, null, json);
    }

    /** {@code pg} null sends to the monitors. */
    private static String run(MemorySegment cluster, String pg, String json) throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment commands = arena.allocate(ValueLayout.ADDRESS);
            commands.set(ValueLayout.ADDRESS, 0, arena.allocateFrom(json));
            MemorySegment outbuf = arena.allocate(ValueLayout.ADDRESS);
            MemorySegment outbufLen = arena.allocate(ValueLayout.JAVA_LONG);
            MemorySegment status = arena.allocate(ValueLayout.ADDRESS);
            MemorySegment statusLen = arena.allocate(ValueLayout.JAVA_LONG);
            int rc = pg == null
                    ? LibRadosLocks.monCommand(cluster, commands, 1, outbuf, outbufLen, status, statusLen)
                    : LibRadosLocks.pgCommand(
                            cluster, arena.allocateFrom(pg), commands, 1, outbuf, outbufLen, status, statusLen);
            String out = "";
            MemorySegment outBytes = outbuf.get(ValueLayout.ADDRESS, 0);
            if (rc >= 0 && !outBytes.equals(MemorySegment.NULL)) {
                long length = outbufLen.get(ValueLayout.JAVA_LONG, 0);
                out = new String(outBytes.reinterpret(length).toArray(ValueLayout.JAVA_BYTE), UTF_8);
            }
            for (MemorySegment cell : new MemorySegment[] {outbuf, status}) {
                MemorySegment buffer = cell.get(ValueLayout.ADDRESS, 0);
                if (!buffer.equals(MemorySegment.NULL)) {
                    LibRadosLocks.bufferFree(buffer);
                }
            }
            CephException.check(rc, pg == null ? "rados_mon_command" : "rados_pg_command", pg == null ? json : pg);
            return out;
        }
    }
}
