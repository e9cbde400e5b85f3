package dev.flashcopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.flashcopy.engine.flash.PairSpec;
import dev.flashcopy.tools.client.AdminClient;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * What {@code setflashrevertible}, {@code commitflash} and {@code revertflash} share: one bodiless POST to
 * {@code /v1/relationships/SRC:TGT/ACTION} per pair, a line per pair, or the relationships afterwards as one JSON
 * array. Stateless.
 */
final class PairAction {
    private PairAction() {
    }

    static int run(DataDirOption data, PrintWriter out, List<PairSpec> pairs, boolean json, String action,
            String done) {
        AdminClient client = AdminClient.forDataDir(data.dataDir());
        List<JsonNode> after = new ArrayList<>();
        for (PairSpec pair : pairs) {
            after.add(client.post("/v1/relationships/" + pair + "/" + action, new LinkedHashMap<String, Object>()));
            if (!json) {
                out.println("FlashCopy pair " + pair + " " + done);
                out.flush();
            }
        }
        if (json) {
            JsonOutput.print(out, JsonNodeFactory.instance.arrayNode().addAll(after));
        }
        return ExitCode.OK.code();
    }
}
