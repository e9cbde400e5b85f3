package dev.flashcopy.engine.tuning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class TunablesTest {
    @Test
    void unknownFlashcopyPropertyIsReportedWithTheNearestKnownName() {
        Properties p = new Properties();
        p.setProperty("flashcopy.heldReply", "8");
        p.setProperty("java.version", "25"); // not ours: ignored
        List<String> problems = Tunables.problems(p);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("-Dflashcopy.heldReply is not a flashcopy setting"), problems.get(0));
        assertTrue(problems.get(0).contains("did you mean -Dflashcopy.heldReplies?"), problems.get(0));
    }

    @Test
    void knownPropertiesWithGoodValuesPass() {
        Properties p = new Properties();
        p.setProperty("flashcopy.heldReplies", "8");
        p.setProperty("flashcopy.transport", "NIO");
        p.setProperty("flashcopy.zerocopy", "false");
        assertEquals(List.of(), Tunables.problems(p));
    }

    @Test
    void aValueThatDoesNotParseNamesThePropertyAndWhatItTakes() {
        Properties p = new Properties();
        p.setProperty("flashcopy.ioThreads", "many");
        p.setProperty("flashcopy.dispatcher", "ring");
        p.setProperty("flashcopy.serialWrites", "off");
        List<String> problems = Tunables.problems(p);
        assertEquals(
                List.of(
                        "-Dflashcopy.dispatcher=ring (expected: pool | disruptor)",
                        "-Dflashcopy.ioThreads=many (expected: a whole number >= 0, threads)",
                        "-Dflashcopy.serialWrites=off (expected: true or false; default true)"),
                problems);
    }

    @Test
    void everyTunableHasAUniqueNameAndItsDefaultParses() {
        assertEquals(
                Tunables.ALL.size(),
                Tunables.ALL.stream().map(Tunable::name).distinct().count());
        Properties defaults = new Properties();
        Tunables.ALL.forEach(t -> defaults.setProperty(t.name(), t.defaultValue()));
        assertEquals(List.of(), Tunables.problems(defaults));
    }
}
