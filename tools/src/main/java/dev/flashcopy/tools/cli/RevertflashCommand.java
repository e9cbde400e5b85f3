package dev.flashcopy.tools.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code flashcopy revertflash SRC:TGT...}: rolls targets back to their last committed state. Not thread-safe. */
@Command(
        name = "revertflash",
        mixinStandardHelpOptions = true,
        description = {
            "Revert each revertible pair: every target write since the last commitflash (or "
                    + "setflashrevertible) is undone. The pair stays revertible."
        })
public final class RevertflashCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    PairAction pairs;

    @Override
    public Integer call() {
        return pairs.run(spec.commandLine().getOut(), "revert", "successfully reverted to its last committed state");
    }
}
