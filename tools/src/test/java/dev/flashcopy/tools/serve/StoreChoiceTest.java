package dev.flashcopy.tools.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code --store}, {@code --ceph-conf}, {@code --ceph-user} and the {@code CEPH_CONF} variable. */
class StoreChoiceTest {
    @Test
    void theEnvironmentsCephConfIsTheDefaultAsForTheCephCommands() {
        StoreChoice.Rbd rbd = (StoreChoice.Rbd) StoreChoice.parse("rbd:rbd", null, null, "/tmp/c/ceph.conf");
        assertEquals(Path.of("/tmp/c/ceph.conf"), rbd.cephConf());
        assertEquals("admin", rbd.cephUser());
        assertTrue(rbd.cephConfNamedBy().startsWith("CEPH_CONF=/tmp/c/ceph.conf"), rbd.cephConfNamedBy());
    }

    @Test
    void theOptionWinsOverTheEnvironment() {
        StoreChoice.Rbd rbd =
                (StoreChoice.Rbd) StoreChoice.parse("rbd:p", Path.of("/x.conf"), "client.fc", "/tmp/c/ceph.conf");
        assertEquals(Path.of("/x.conf"), rbd.cephConf());
        assertEquals("fc", rbd.cephUser(), "'client.' is dropped");
        assertEquals("--ceph-conf /x.conf", rbd.cephConfNamedBy());
        assertEquals("--store rbd:p --ceph-conf /x.conf --ceph-user fc", rbd.options());
    }

    @Test
    void withNeitherTheFileInEtcCephIsTheDefault() {
        for (String env : new String[] {null, "", " "}) {
            StoreChoice.Rbd rbd = (StoreChoice.Rbd) StoreChoice.parse("rbd:rbd", null, null, env);
            assertEquals(StoreChoice.DEFAULT_CEPH_CONF, rbd.cephConf());
            assertEquals("--store rbd:rbd", rbd.options());
        }
    }

    @Test
    void cephOptionsWithTheFileStoreAreRefusedNamingTheOption() {
        assertInstanceOf(StoreChoice.Files.class, StoreChoice.parse("file", null, null, "/tmp/c/ceph.conf"));
        IllegalArgumentException conf = assertThrows(
                IllegalArgumentException.class, () -> StoreChoice.parse("file", Path.of("/x"), null, null));
        assertTrue(conf.getMessage().startsWith("--ceph-conf applies only to --store rbd:POOL"), conf.getMessage());
        IllegalArgumentException user =
                assertThrows(IllegalArgumentException.class, () -> StoreChoice.parse(null, null, "fc", null));
        assertTrue(user.getMessage().startsWith("--ceph-user applies only"), user.getMessage());
    }
}
