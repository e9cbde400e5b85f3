package dev.flashcopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.tools.client.AdminClient;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * What {@code setflashrevertible}, {@code commitflash} and {@code revertflash} share, as a picocli mixin: the
 * data directory, the pairs and {@code --json}; then one bodiless POST to {@code /v1/relationships/SRC:TGT/ACTION}
 * per pair, a line per pair, or the relationships afterwards as one JSON array. Not thread-safe.
 */
final class PairAction {
    @Mixin
    DataDirOption data;

    @Parameters(
            arity = "1..*",
            paramLabel = "SRC:TGT",
            converter = Converters.Pair.class,
            description = "the relationships, each as it runs now")
    List<PairSpec> pairs;

    @Option(names = "--json", description = "print the relationships afterwards as a JSON array")
    boolean json;

    int run(PrintWriter out, String action, String done) {
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
