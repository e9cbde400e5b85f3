package dev.flashcopy.tools.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.flashcopy.tools.admin.ApiJson;
import java.io.PrintWriter;

/** {@code --json} output: the server's JSON, pretty-printed, one document per command. Stateless. */
final class JsonOutput {
    private JsonOutput() {}

    static void print(PrintWriter out, JsonNode node) {
        try {
            out.println(ApiJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (JsonProcessingException e) {
            // A tree read from JSON always writes back; this would be a Jackson bug.
            throw new IllegalStateException(e);
        }
        out.flush();
    }
}
