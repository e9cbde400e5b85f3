package dev.flashcopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flashcopy.tools.client.AdminClient;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flashcopy move [VOL] --to SERVER}: hand the store to another server of the pool. Not thread-safe. */
@Command(
        name = "move",
        mixinStandardHelpOptions = true,
        description = {
            "Hand the store over to another live server of the pool (--store rbd:POOL): in-flight I/O drains, no"
                    + " request fails, the other server serves from then on and this one forwards to it as a"
                    + " standby. Ownership is store-wide: VOL, if given, moves with every other volume."
        })
public final class MoveCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption data;

    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "VOL",
            converter = Converters.VolumeName.class,
            description = "a volume of the store (the whole store moves with it)")
    String volume;

    @Option(
            names = "--to",
            required = true,
            paramLabel = "SERVER",
            description = "the --server-name of a running standby on the same pool")
    String to;

    @Option(names = "--json", description = "print the answer as JSON")
    boolean json;

    @Override
    public Integer call() {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("to", to);
        if (volume != null) {
            body.put("volume", volume);
        }
        JsonNode moved = AdminClient.forDataDir(data.dataDir()).post("/v1/server/move", body);
        var out = spec.commandLine().getOut();
        if (json) {
            JsonOutput.print(out, moved);
        } else {
            out.println(moved.path("moved").asText());
            out.flush();
        }
        return ExitCode.OK.code();
    }
}
