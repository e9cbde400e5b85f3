package dev.flashcopy.tools.cli;

import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code --data DIR}, shared by every subcommand as a picocli mixin. The flag beats
 * {@code $FLASHCOPY_DATA}, which beats {@code ./flashcopy-data}. Not thread-safe; one per command.
 */
public final class DataDirOption {
    public static final String ENV = "FLASHCOPY_DATA";
    public static final Path DEFAULT = Path.of("flashcopy-data");

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description = "data directory of the server (default: $" + ENV + ", else ./flashcopy-data)")
    Path data;

    /** The data directory this command means, absolute. */
    public Path dataDir() {
        return resolve(data, System.getenv());
    }

    static Path resolve(Path flag, Map<String, String> env) {
        Path chosen = flag;
        if (chosen == null) {
            String fromEnv = env.get(ENV);
            chosen = fromEnv == null || fromEnv.isBlank() ? DEFAULT : Path.of(fromEnv);
        }
        return chosen.toAbsolutePath().normalize();
    }
}
