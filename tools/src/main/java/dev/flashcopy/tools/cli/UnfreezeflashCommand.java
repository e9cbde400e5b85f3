package dev.flashcopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flashcopy.tools.client.AdminClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code flashcopy unfreezeflash [SRC...]}: ends the consistency-group freeze of the named sources (all frozen
 * sources when none is named), so their held writes go on. Not thread-safe.
 */
@Command(
        name = "unfreezeflash",
        mixinStandardHelpOptions = true,
        description = {
            "Release the writes held by mkflash --freeze or resyncflash --freeze on each SRC (every frozen"
                    + " source when none is named). Held writes complete then; none is lost."
        })
public final class UnfreezeflashCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption data;

    @Parameters(
            arity = "0..*",
            paramLabel = "SRC",
            converter = Converters.VolumeName.class,
            description = "frozen source volumes (default: all)")
    List<String> sources;

    @Option(names = "--json", description = "print {\"released\": [volume names]}")
    boolean json;

    @Override
    public Integer call() {
        List<String> named = sources == null ? List.of() : sources;
        JsonNode done = AdminClient.forDataDir(data.dataDir()).post("/v1/freezes/unfreeze", Map.of("volumes", named));
        var out = spec.commandLine().getOut();
        if (json) {
            JsonOutput.print(out, done);
            return ExitCode.OK.code();
        }
        List<String> released = new ArrayList<>();
        done.path("released").forEach(v -> released.add(v.asText()));
        if (released.isEmpty()) {
            out.println(
                    named.isEmpty()
                            ? "no frozen source volumes"
                            : "none of " + String.join(", ", named)
                                    + " was frozen (a freeze ends by itself at its timeout)");
        } else {
            out.println("unfrozen: " + String.join(", ", released) + " (held writes go on)");
        }
        out.flush();
        return ExitCode.OK.code();
    }
}
