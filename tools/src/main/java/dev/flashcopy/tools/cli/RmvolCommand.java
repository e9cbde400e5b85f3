package dev.flashcopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flashcopy.tools.client.AdminClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flashcopy rmvol NAME}. Not thread-safe. */
@Command(
        name = "rmvol",
        mixinStandardHelpOptions = true,
        description = {
            "Remove a volume. An image mkvol --size created is deleted; one registered with --file is"
                    + " only forgotten. Refused while NBD clients have it open."
        })
public final class RmvolCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption data;

    @Parameters(index = "0", paramLabel = "NAME", converter = Converters.VolumeName.class, description = "the volume")
    String name;

    @Option(names = "--json", description = "print the removed volume as JSON")
    boolean json;

    @Override
    public Integer call() {
        JsonNode removed = AdminClient.forDataDir(data.dataDir()).delete("/v1/volumes/" + name);
        var out = spec.commandLine().getOut();
        if (json) {
            JsonOutput.print(out, removed);
        } else {
            out.println("removed volume " + name
                    + (removed.path("owned").asBoolean() ? " and deleted its image " : "; kept its image ")
                    + removed.path("path").asText());
            out.flush();
        }
        return ExitCode.OK.code();
    }
}
