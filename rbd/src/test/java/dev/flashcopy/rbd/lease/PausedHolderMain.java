package dev.flashcopy.rbd.lease;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.flashcopy.rbd.CephException;
import dev.flashcopy.rbd.Errno;
import dev.flashcopy.rbd.Pool;
import dev.flashcopy.rbd.RadosCluster;
import dev.flashcopy.rbd.RbdImage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The old owner in {@link PausedHolderProcessTest}, as a process of its own: takes the lease, writes an object and an
 * image while it holds it, says {@code HELD <address>}, and waits for {@code go} on stdin, which the test sends after
 * pausing (SIGSTOP) and waking (SIGCONT) it. Then it writes again without looking at its lease, as a request
 * already past that check would, and reports on stdout what the cluster did with each write and what its lease
 * told it. Exit 0: every write refused and the loss noticed; 1: something landed or went unnoticed; 2: no go.
 *
 * <p>Arguments: {@code CEPH_CONF POOL LEASE_OBJECT SERVER_NAME DATA_OBJECT IMAGE}.
 */
public final class PausedHolderMain {
    static final String WRITTEN_WHILE_HELD = "written while held";
    static final byte HELD_BYTE = 0x11;
    static final byte STALE_BYTE = 0x55;
    static final int BLOCK = 64 * 1024;

    private PausedHolderMain() {}

    public static void main(String[] args) throws Exception {
        try (RadosCluster cluster = RadosCluster.connect(Path.of(args[0]), "admin", Duration.ofSeconds(15));
                Pool pool = cluster.openPool(args[1]);
                Arena arena = Arena.ofShared()) {
            LinkedBlockingQueue<String> lost = new LinkedBlockingQueue<>();
            Lease lease = new Lease(cluster, pool, args[2], args[3], LeaseTest.SHORT, (l, reason) -> lost.add(reason));
            lease.acquire();
            RbdImage image = RbdImage.open(pool, args[5]);
            pool.writeFull(args[4], WRITTEN_WHILE_HELD.getBytes(UTF_8));
            image.write(0, filled(arena, HELD_BYTE));
            image.flush();
            say("HELD " + cluster.address());

            long heldAt = System.nanoTime();
            // Blocks here while the test pauses (SIGSTOP) and wakes (SIGCONT) this process, then says go.
            String go = new BufferedReader(new InputStreamReader(System.in, UTF_8)).readLine();
            if (!"go".equals(go)) {
                say("NEVER-WOKEN");
                System.exit(2);
            }
            say("WOKE " + (System.nanoTime() - heldAt) / 1_000_000 + " ms after HELD; lease held: " + lease.isHeld());

            boolean objectRefused = false;
            try {
                pool.writeFull(args[4], "stale".getBytes(UTF_8));
                say("OBJECT-WRITE LANDED");
            } catch (CephException e) {
                objectRefused = true;
                say("OBJECT-WRITE REFUSED " + Errno.name(e.errno()));
            }
            boolean imageRefused = false;
            try {
                image.writeAsync(0, filled(arena, STALE_BYTE)).get(30, TimeUnit.SECONDS);
                image.flushAsync().get(30, TimeUnit.SECONDS);
                say("IMAGE-WRITE LANDED");
            } catch (ExecutionException e) {
                imageRefused = true;
                say("IMAGE-WRITE REFUSED " + e.getCause().getMessage());
            } catch (TimeoutException e) {
                say("IMAGE-WRITE HUNG");
            }
            String reason = lost.poll(5, TimeUnit.SECONDS);
            say("LEASE-LOST " + reason + "; held: " + lease.isHeld());
            System.exit(objectRefused && imageRefused && reason != null && !lease.isHeld() ? 0 : 1);
        }
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    static MemorySegment filled(Arena arena, byte value) {
        MemorySegment block = arena.allocate(BLOCK);
        block.fill(value);
        return block;
    }
}
