package dev.flashcopy.it.support;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** {@code qemu-io} over NBD: writes and pattern-checked reads, failing the test on any mismatch. */
public final class Qemu {
    private static final Duration T = Duration.ofSeconds(300);

    private Qemu() {}

    /** Runs the qemu-io commands in one connection (qemu flushes before it disconnects). */
    public static String io(String uri, String... commands) {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", "raw"));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add(uri);
        Command.Result r = Command.run(T, cmd.toArray(String[]::new)).ok();
        String all = r.out() + r.err();
        assertFalse(all.contains("failed") || all.contains("rror"), String.join(" ", cmd) + "\n" + all);
        return r.out();
    }
}
