package dev.flashcopy.engine.relationship;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import org.junit.jupiter.api.Test;

class GenerationChangeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void isStoredAsTheLowerCaseWordEveryVersionWrote() throws Exception {
        assertEquals("\"resync\"", JSON.writeValueAsString(GenerationChange.RESYNC));
        assertEquals("\"reverse\"", JSON.writeValueAsString(GenerationChange.REVERSE));
        assertEquals(GenerationChange.REVERSE, JSON.readValue("\"reverse\"", GenerationChange.class));
    }

    @Test
    void anUnknownWordIsRefusedNotTakenForOneOfThem() {
        assertThrows(ValueInstantiationException.class, () -> JSON.readValue("\"revert\"", GenerationChange.class));
    }
}
