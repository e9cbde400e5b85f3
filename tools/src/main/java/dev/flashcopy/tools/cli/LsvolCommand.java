package dev.flashcopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flashcopy.engine.catalog.ByteSize;
import dev.flashcopy.tools.client.AdminClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code flashcopy lsvol}: every volume with its size, allocated bytes and image path. Not thread-safe. */
@Command(
        name = "lsvol",
        mixinStandardHelpOptions = true,
        description = {"List volumes: name, size, bytes allocated on disk (sparse images use less), image path."})
public final class LsvolCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption data;

    @Option(
            names = "--json",
            description = "print a JSON array of {name, size, allocated, path, owned, targetOf,"
                    + " sourceOf, frozen, frozenUntil, owner}, sizes in bytes; owner: the server serving it, on a"
                    + " store several servers share")
    boolean json;

    @Override
    public Integer call() {
        JsonNode volumes =
                AdminClient.forDataDir(data.dataDir()).get("/v1/volumes").path("volumes");
        var out = spec.commandLine().getOut();
        if (json) {
            JsonOutput.print(out, volumes);
            return ExitCode.OK.code();
        }
        if (volumes.isEmpty()) {
            out.println("no volumes (create one with: flashcopy mkvol NAME --size 10G)");
            out.flush();
            return ExitCode.OK.code();
        }
        // The owner column only where servers share a store (on RBD); a file store has one server.
        boolean owners = volumes.get(0).has("owner");
        Table table = owners
                ? new Table("NAME", "SIZE", "ALLOCATED", "ROLE", "OWNER", "PATH")
                : new Table("NAME", "SIZE", "ALLOCATED", "ROLE", "PATH");
        table.alignRight(1).alignRight(2);
        for (JsonNode v : volumes) {
            JsonNode allocated = v.path("allocated");
            List<String> cells = new ArrayList<>(List.of(
                    v.path("name").asText(),
                    ByteSize.format(v.path("size").asLong()),
                    allocated.isNumber() ? ByteSize.format(allocated.asLong()) : "?",
                    role(v)));
            if (owners) {
                cells.add(v.path("owner").asText());
            }
            cells.add(v.path("path").asText()
                    + (v.has("problem") ? "  (" + v.path("problem").asText() + ")" : ""));
            table.row(cells.toArray(String[]::new));
        }
        table.print(out);
        return ExitCode.OK.code();
    }

    /** "target of S", "source of T1,T2", both, or "-". */
    private static String role(JsonNode v) {
        List<String> parts = new ArrayList<>();
        if (v.hasNonNull("targetOf")) {
            parts.add("target of " + v.get("targetOf").asText());
        }
        List<String> targets = new ArrayList<>();
        v.path("sourceOf").forEach(t -> targets.add(t.asText()));
        if (!targets.isEmpty()) {
            parts.add("source of " + String.join(",", targets));
        }
        if (v.path("frozen").asBoolean()) {
            parts.add("frozen until " + v.path("frozenUntil").asText());
        }
        return parts.isEmpty() ? "-" : String.join("; ", parts);
    }
}
