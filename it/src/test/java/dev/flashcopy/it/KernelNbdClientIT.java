package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.Qemu;
import dev.flashcopy.it.support.Repo;
import dev.flashcopy.it.support.ServerProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Linux kernel's own NBD client (this machine's kernel has no {@code nbd} module): Debian's
 * cloud kernel boots under {@code qemu-system-x86_64} (TCG) from a tiny initramfs made by {@code
 * bin/build-nbd-guest}, loads {@code nbd.ko}, and attaches a live NOCOPY FlashCopy target with
 * {@code nbd-client}. qemu's virtio-serial port is the guest's only way out: its chardev is one TCP
 * connection to the server, and a relay in the guest turns the port into the unix socket the
 * kernel driver needs. The guest ({@code it/src/test/guest/init}) reads the target, makes ext4 on
 * it, writes files, runs fio with crc32c verify, re-reads, runs {@code e2fsck -fn}, and reports
 * over the serial console; the host then checks the same bytes through the server.
 */
class KernelNbdClientIT {
    private static final Duration GUEST_LIMIT = Duration.ofSeconds(180);
    private static final Pattern LINE = Pattern.compile("^FLASHCOPY-GUEST-([A-Z-]+) ?(.*)$", Pattern.MULTILINE);

    @TempDir
    Path tmp;

    @Test
    void kernelNbdClientMakesExt4AndRunsFioOnALiveNocopyTarget() throws IOException, InterruptedException {
        String[] guest = buildGuest();
        // qemu's chardev connects when the VM starts, tens of seconds (under TCG) before the guest's
        // nbd-client speaks: give that idle handshake longer than serve's default 10 s.
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"), "--handshake-timeout", "300")) {
            server.cli("mkvol", "src", "--size", "64M").ok();
            Qemu.io(server.uri("src"), "write -P 0x11 0 8M", "write -P 0x22 20M 4M", "write -P 0x33 60M 4M");
            String t0 = Exports.sha256(server.uri("src"));
            server.cli("mkflash", "--nocp", "src:tgt").ok();
            // the source moves on after T0: the target now lives on copy-on-write (grains it holds
            // itself) and on the source's unchanged grains, read through
            Qemu.io(server.uri("src"), "write -P 0x44 0 2M", "write -P 0x55 21M 1M", "write -P 0x66 40M 4M");
            String sourceBefore = Exports.sha256(server.uri("src"));
            assertNotEquals(t0, sourceBefore);
            assertEquals(t0, Exports.sha256(server.uri("tgt")), "target reads T0 before the guest");

            long started = System.nanoTime();
            String console = boot(guest, server, "tgt");
            double seconds = (System.nanoTime() - started) / 1e9;
            Map<String, String> report = parse(console);
            System.out.printf(
                    "KernelNbdClientIT: guest ran %.1f s (qemu start to power-off), guest uptime at the end %s s;"
                            + " steps (name, guest uptime): %s%n",
                    seconds, report.get("UPTIME"), steps(console));
            assertEquals("ok", report.get("RESULT"), () -> "guest failed; serial console:\n" + console);
            assertEquals(String.valueOf(64L << 20), report.get("SIZE"), console);
            assertEquals(t0, report.get("SHA-BEFORE"), "the kernel client read the target as it was at T0");

            String target = Exports.sha256(server.uri("tgt"));
            assertEquals(report.get("SHA-AFTER"), target, "what the guest last read is what the server holds");
            assertNotEquals(t0, target, "the guest's writes reached the target");
            assertEquals(sourceBefore, Exports.sha256(server.uri("src")), "target writes never reach the source");
            Qemu.io(
                    server.uri("src"),
                    "read -P 0x44 0 2M",
                    "read -P 0x11 2M 6M",
                    "read -P 0x55 21M 1M",
                    "read -P 0x66 40M 4M",
                    "read -P 0x33 60M 4M");
        }
    }

    /** Runs {@code bin/build-nbd-guest} (cached after the first run): {kernel, initrd}. */
    private static String[] buildGuest() {
        assumeTrue(
                Files.isExecutable(Path.of("/usr/bin/qemu-system-x86_64")),
                "qemu-system-x86_64 not installed (bin/install-clients installs qemu-system-x86)");
        Command.Result r = Command.run(
                Duration.ofSeconds(600),
                Repo.root().resolve("bin/build-nbd-guest").toString());
        assumeTrue(r.exit() != 3, () -> "Debian's cloud kernel or busybox-static cannot be downloaded: " + r.err());
        r.ok();
        Map<String, String> paths = new HashMap<>();
        for (String line : r.out().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                paths.put(line.substring(0, eq), line.substring(eq + 1).trim());
            }
        }
        if (!paths.containsKey("KERNEL") || !paths.containsKey("INITRD")) {
            fail("bin/build-nbd-guest printed no KERNEL=/INITRD=: " + r.out() + r.err());
        }
        return new String[] {paths.get("KERNEL"), paths.get("INITRD")};
    }

    /** Boots the guest against {@code export}, bounded by {@link #GUEST_LIMIT}; its serial output. */
    private String boot(String[] guest, ServerProcess server, String export) throws IOException, InterruptedException {
        Path serial = tmp.resolve("console.log");
        Path qemuLog = tmp.resolve("qemu.log");
        List<String> cmd = List.of(
                "qemu-system-x86_64",
                "-accel",
                "tcg",
                "-m",
                "1024",
                "-smp",
                "1",
                "-no-reboot",
                "-display",
                "none",
                "-monitor",
                "none",
                "-serial",
                "file:" + serial,
                "-kernel",
                guest[0],
                "-initrd",
                guest[1],
                "-append",
                "console=ttyS0 panic=-1 rdinit=/init loglevel=4 flashcopy.export=" + export,
                "-device",
                "virtio-serial",
                "-chardev",
                "socket,id=nbd,host=" + server.host() + ",port=" + server.port(),
                "-device",
                "virtserialport,chardev=nbd,name=nbd");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(qemuLog.toFile());
        pb.environment().putAll(Command.ENV);
        Process qemu = pb.start();
        qemu.getOutputStream().close();
        if (!qemu.waitFor(GUEST_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
            qemu.destroyForcibly();
            qemu.waitFor(10, TimeUnit.SECONDS);
            fail("guest did not power off within " + GUEST_LIMIT + "; serial console:\n" + read(serial) + "\nqemu:\n"
                    + read(qemuLog));
        }
        String console = read(serial);
        assertEquals(
                0,
                qemu.exitValue(),
                () -> "qemu exited " + qemu.exitValue() + ":\n" + read(qemuLog) + "\nserial console:\n" + console);
        return console;
    }

    private static Map<String, String> parse(String console) {
        Map<String, String> report = new HashMap<>();
        Matcher m = LINE.matcher(console.replace("\r", ""));
        while (m.find()) {
            report.put(m.group(1), m.group(2).trim());
        }
        return report;
    }

    private static String steps(String console) {
        StringBuilder b = new StringBuilder();
        Matcher m = LINE.matcher(console.replace("\r", ""));
        while (m.find()) {
            if (m.group(1).equals("STEP")) {
                b.append(b.isEmpty() ? "" : ", ").append(m.group(2).trim());
            }
        }
        return b.toString();
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? new String(Files.readAllBytes(p), StandardCharsets.UTF_8) : "(none)";
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
