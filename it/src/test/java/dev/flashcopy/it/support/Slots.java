package dev.flashcopy.it.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The step the crash and failover oracles share: a 64 KiB slot of an export written with one pattern and flushed by
 * its own {@code qemu-io} (a fresh connection each time, as a host that reconnects would), and the check that every
 * slot whose write completed reads back its pattern.
 */
public final class Slots {
    public static final int SLOT = 64 << 10;

    private Slots() {}

    /** Writes {@code pattern} over slot {@code slot} and flushes; whether both completed without an error. */
    public static boolean write(String uri, int slot, int pattern) {
        Command.Result r = Command.run(
                Duration.ofSeconds(60),
                "qemu-io",
                "-f",
                "raw",
                "-c",
                "write -P " + pattern + " " + (long) slot * SLOT + " " + SLOT,
                "-c",
                "flush",
                uri);
        // qemu-io reports some failed commands on stdout with exit 0: look for the success line and no failure.
        return r.exit() == 0 && r.out().contains("wrote") && !(r.out() + r.err()).contains("failed");
    }

    /** Reads every slot of {@code patterns} back in one qemu-io run; the test fails on the first mismatch. */
    public static void verify(String uri, Map<Integer, Integer> patterns) {
        List<String> checks = new ArrayList<>();
        patterns.forEach((slot, pattern) -> checks.add("read -P " + pattern + " " + (long) slot * SLOT + " " + SLOT));
        if (!checks.isEmpty()) {
            Qemu.io(uri, checks.toArray(String[]::new));
        }
    }
}
