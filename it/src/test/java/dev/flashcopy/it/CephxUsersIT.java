package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.it.support.Ceph;
import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.ServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cephx users the server cannot work as: one without the caps it needs (read-only on the monitors; read-only on the
 * pool) and one whose key is wrong. Each {@code serve} exits 5 within 30 s with one line, no class names, that says
 * what to do: the caps to give ({@code mon 'profile rbd' osd 'profile rbd pool=POOL'}), or that the key is wrong.
 * The users are removed afterwards.
 */
class CephxUsersIT {
    private static final String CAPS = "mon 'profile rbd' osd 'profile rbd pool=" + Ceph.POOL + "'";

    @TempDir
    Path tmp;

    private final List<String> users = new ArrayList<>();

    @AfterEach
    void removeUsers() {
        for (String user : users) {
            Ceph.ceph("auth", "del", "client." + user);
        }
    }

    @Test
    void aUserWithoutTheCapsItNeedsIsOneLineNamingThem() throws IOException {
        String monOnly = user("mon", "allow r");
        Command.Result r = serveAs(monOnly);
        assertOneLine(r);
        assertTrue(r.err().contains("client." + monOnly) && r.err().contains(CAPS), r.err());

        String readOnly = user("mon", "profile rbd", "osd", "allow r pool=" + Ceph.POOL);
        Command.Result ro = serveAs(readOnly);
        assertOneLine(ro);
        assertTrue(ro.err().contains("client." + readOnly) && ro.err().contains(CAPS), ro.err());
    }

    @Test
    void aWrongKeyIsOneLineSayingSo() throws IOException {
        String name = user("mon", "profile rbd", "osd", "profile rbd pool=" + Ceph.POOL);
        // The same user, another key: what a keyring copied from the wrong cluster or an old rotation holds.
        Path wrong = tmp.resolve("wrong.keyring");
        Command.ok(
                Duration.ofSeconds(30),
                "ceph-authtool",
                "--create-keyring",
                wrong.toString(),
                "--gen-key",
                "-n",
                "client." + name);
        Command.Result r = serve(name, confWithKeyring(wrong));
        assertOneLine(r);
        assertTrue(r.err().contains("client." + name) && r.err().contains("key"), r.err());
    }

    /** Creates {@code client.NAME} with the caps given as (service, cap) pairs, its key in {@code NAME.keyring}. */
    private String user(String... caps) {
        String name = Ceph.unique("fcx");
        List<String> args = new ArrayList<>(List.of("auth", "get-or-create", "client." + name));
        args.addAll(List.of(caps));
        args.addAll(List.of("-o", tmp.resolve(name + ".keyring").toString()));
        Ceph.ceph(args.toArray(String[]::new)).ok();
        users.add(name);
        return name;
    }

    private Command.Result serveAs(String name) throws IOException {
        return serve(name, confWithKeyring(tmp.resolve(name + ".keyring")));
    }

    /** A copy of the cluster's ceph.conf whose clients' keyring is {@code keyring}. */
    private Path confWithKeyring(Path keyring) throws IOException {
        Path conf = tmp.resolve(keyring.getFileName() + ".conf");
        String real = Files.readString(Ceph.conf());
        Files.writeString(
                conf,
                real.replaceAll(
                        "(?m)^[ \\t]*keyring[ \\t]*=.*client\\.admin\\.keyring[ \\t]*$", "keyring = " + keyring));
        return conf;
    }

    private Command.Result serve(String user, Path conf) {
        long start = System.nanoTime();
        Command.Result r = Command.runWith(
                Duration.ofSeconds(60),
                ServerProcess.NO_BUILD,
                null,
                ServerProcess.serveCommand(
                                tmp.resolve("data-" + user),
                                "--store",
                                "rbd:" + Ceph.POOL,
                                "--ceph-conf",
                                conf.toString(),
                                "--ceph-user",
                                user)
                        .toArray(String[]::new));
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        System.out.println("serve as client." + user + ": exit " + r.exit() + " after " + seconds + " s: "
                + r.err().strip());
        assertTrue(seconds < 30, "gave up after " + seconds + " s");
        return r;
    }

    private static void assertOneLine(Command.Result r) {
        assertEquals(5, r.exit(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertTrue(
                !r.err().contains("Exception")
                        && !r.err().contains("\tat ")
                        && !r.err().contains("dev.flashcopy"),
                r.err());
    }
}
