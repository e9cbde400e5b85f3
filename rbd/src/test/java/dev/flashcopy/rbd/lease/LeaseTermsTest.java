package dev.flashcopy.rbd.lease;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The lease's terms and its record, without a cluster. */
class LeaseTermsTest {
    @Test
    void defaultsMoveADeadHoldersFamiliesWellWithinThirtySeconds() {
        LeaseTerms terms = LeaseTerms.DEFAULT;
        assertEquals(Duration.ofSeconds(10), terms.duration());
        assertTrue(terms.renewEvery().multipliedBy(3).compareTo(terms.duration()) <= 0, "two renewals may fail");
        assertTrue(terms.duration().plus(terms.renewEvery()).plusSeconds(2).toSeconds() < 30);
        assertTrue(terms.fenceFor().compareTo(terms.duration()) >= 0);
    }

    @Test
    void termsThatCannotWorkAreRefusedWithTheValueNamed() {
        assertEquals(
                "renewEvery: PT5S (expected: 10 ms to a third of duration PT10S)",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> new LeaseTerms(
                                        Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofHours(1)))
                        .getMessage());
        assertEquals(
                "fenceFor: PT5S (expected: at least the lease duration PT10S)",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> new LeaseTerms(
                                        Duration.ofSeconds(10), Duration.ofSeconds(3), Duration.ofSeconds(5)))
                        .getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> new LeaseTerms(Duration.ofMillis(500), Duration.ofMillis(100), Duration.ofHours(1)));
    }

    @Test
    void recordRoundTripsAndRejectsWhatIsNotOne() throws IOException {
        HolderRecord held = new HolderRecord(true, "node-a:10809", "127.0.0.1:0/3356121390");
        assertEquals(held, HolderRecord.decode("o", held.encode()));
        assertEquals(
                "flashcopy-lease 1\nstate held\nserver node-a:10809\naddress 127.0.0.1:0/3356121390\n",
                new String(held.encode(), UTF_8));
        HolderRecord released = new HolderRecord(false, "b", "127.0.0.1:0/1");
        assertEquals(released, HolderRecord.decode("o", released.encode()));
        assertNull(HolderRecord.decode("o", new byte[0]), "locked, nothing recorded yet");
        assertEquals(
                "o: not a flashcopy lease record (first line: hello)",
                assertThrows(IOException.class, () -> HolderRecord.decode("o", "hello\n".getBytes(UTF_8)))
                        .getMessage());
        assertThrows(
                IOException.class,
                () -> HolderRecord.decode(
                        "o", "flashcopy-lease 1\nstate maybe\nserver a\naddress b\n".getBytes(UTF_8)));
    }

    @Test
    void namesWithSpacesOrControlCharactersAreRefused() {
        assertEquals(
                "serverName: 'two words' (expected: 1 to 200 characters, no spaces or control characters)",
                assertThrows(IllegalArgumentException.class, () -> ServerNames.objectName("two words"))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> ServerNames.objectName("a\nstate released"));
        assertThrows(IllegalArgumentException.class, () -> ServerNames.objectName(""));
        assertEquals("flashcopy.server.node-a:10809", ServerNames.objectName("node-a:10809"));
    }

    @Test
    void lockerAndOwnAddressesOfOneClientMatch() {
        assertTrue(Lease.sameClient("v1:127.0.0.1:0/42", "127.0.0.1:0/42"));
        assertTrue(!Lease.sameClient("v1:127.0.0.1:0/42", "127.0.0.1:0/43"));
    }
}
