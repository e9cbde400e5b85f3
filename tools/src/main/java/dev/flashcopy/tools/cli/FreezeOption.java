package dev.flashcopy.tools.cli;

import dev.flashcopy.engine.freeze.FreezeOptions;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code --freeze [--freeze-timeout DURATION]} of mkflash and resyncflash, as a picocli mixin: the pairs form a
 * consistency group whose sources hold new writes after T0 until {@code unfreezeflash} or the timeout. Not
 * thread-safe; one per command.
 */
public final class FreezeOption {
    @Option(
            names = {"--freeze", "-freeze"},
            description = "consistency group: drain in-flight writes to every"
                    + " source, take T0, then hold new source writes (they wait, they do not fail) until unfreezeflash"
                    + " or --freeze-timeout")
    boolean freeze;

    @Option(
            names = {"--freeze-timeout", "-freezetimeout"},
            paramLabel = "DURATION",
            converter = Converters.Timeout.class,
            description = "release the held writes after this long at the latest: 120s (default), 500ms, 2m, 1h")
    Duration timeout;

    /** Puts {@code freeze} and {@code freezeTimeoutMs} into an admin API request body. */
    void addTo(Map<String, Object> body) {
        if (timeout != null && !freeze) {
            throw new CommandFailure(ExitCode.USAGE, "--freeze-timeout needs --freeze");
        }
        if (timeout != null && timeout.compareTo(FreezeOptions.MAX_TIMEOUT) > 0) {
            // Checked here so the message names the option, not the admin API's freezeTimeoutMs.
            throw new CommandFailure(
                    ExitCode.USAGE,
                    "--freeze-timeout " + timeout.toSeconds() + " s is longer than a freeze may hold writes (expected:"
                            + " at most " + FreezeOptions.MAX_TIMEOUT.toHours() + "h)");
        }
        if (freeze) {
            body.put("freeze", true);
            if (timeout != null) {
                body.put("freezeTimeoutMs", timeout.toMillis());
            }
        }
    }

    /** A line for the human output, or empty. */
    String describe() {
        if (!freeze) {
            return "";
        }
        Duration t = timeout == null ? Duration.ofSeconds(120) : timeout;
        return "sources frozen: new writes to them are held until 'flashcopy unfreezeflash' or for "
                + (t.toMillis() % 1000 == 0 ? t.toSeconds() + " s" : t.toMillis() + " ms") + " at most";
    }
}
