package dev.flashcopy.engine.tuning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
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
        p.setProperty("flashcopy.views", "false"); // the A/B switch for RBD snapshots, which serve once refused
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

    @Test
    void theArchitectureTableListsEveryTunableAndNoOther() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "ARCHITECTURE.md"));
        String section = doc.substring(doc.indexOf("\n## Tunables"));
        int next = section.indexOf("\n## ", 1);
        String table = next < 0 ? section : section.substring(0, next);
        Set<String> documented = Pattern.compile("^\\| `-D(flashcopy\\.\\w+)`", Pattern.MULTILINE)
                .matcher(table)
                .results()
                .map(m -> m.group(1))
                .collect(Collectors.toSet());
        Set<String> known = Tunables.ALL.stream().map(Tunable::name).collect(Collectors.toSet());
        assertEquals(known, documented, "docs/ARCHITECTURE.md, \"Tunables\"");
    }
}
