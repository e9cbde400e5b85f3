package dev.flashcopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flashcopy.engine.catalog.ByteSize;
import dev.flashcopy.tools.client.AdminClient;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code flashcopy mkvol NAME (--size SIZE | --file PATH | --image POOL/IMAGE)}. One instance per invocation; not
 * thread-safe.
 */
@Command(
        name = "mkvol",
        mixinStandardHelpOptions = true,
        description = {
            "Create a volume: a new sparse image (--size; an RBD image POOL/NAME on a server with --store"
                    + " rbd:POOL), or an existing raw image registered in place (--file, or --image on RBD). The"
                    + " volume is exported over NBD under its name at once."
        })
public final class MkvolCommand implements Callable<Integer> {
    /** Exactly one way to get the image; picocli enforces "one of" and "not both". */
    static final class Source {
        @Option(
                names = "--size",
                paramLabel = "SIZE",
                converter = Converters.VolumeSize.class,
                description = "create a sparse image of SIZE bytes; suffixes K, M, G, T (x1024), e.g. 10G")
        Long size;

        @Option(
                names = "--file",
                paramLabel = "PATH",
                description = "register this existing raw image in place; rmvol forgets it but keeps the file")
        Path file;

        @Option(
                names = "--image",
                paramLabel = "POOL/IMAGE",
                description = "on a server with --store rbd:POOL: register this existing RBD image; rmvol forgets it"
                        + " but keeps the image")
        String image;
    }

    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption data;

    @Parameters(
            index = "0",
            paramLabel = "NAME",
            converter = Converters.VolumeName.class,
            description = "volume and NBD export name: 1 to 64 of A-Z a-z 0-9 . _ -")
    String name;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--json", description = "print the new volume as JSON")
    boolean json;

    @Override
    public Integer call() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        if (source.size != null) {
            body.put("size", source.size);
        } else if (source.image != null) {
            body.put("image", source.image);
        } else {
            // The server's working directory is not ours: send the path as this shell means it.
            body.put("file", source.file.toAbsolutePath().normalize().toString());
        }
        JsonNode volume = AdminClient.forDataDir(data.dataDir()).post("/v1/volumes", body);
        var out = spec.commandLine().getOut();
        if (json) {
            JsonOutput.print(out, volume);
        } else {
            String size = ByteSize.format(volume.path("size").asLong());
            out.println(
                    volume.path("owned").asBoolean()
                            ? "created volume " + name + ": " + size + " sparse image "
                                    + volume.path("path").asText()
                            : "registered volume " + name + ": " + size + " raw image "
                                    + volume.path("path").asText() + " (rmvol keeps "
                                    + (source.image != null ? "the image)" : "the file)"));
            out.flush();
        }
        return ExitCode.OK.code();
    }
}
