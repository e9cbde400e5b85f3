package dev.flashcopy.tools.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code flashcopy commitflash SRC:TGT...}: makes the targets' current states the committed ones. Not thread-safe. */
@Command(
        name = "commitflash",
        mixinStandardHelpOptions = true,
        description = {
            "Commit each revertible pair: the target's current state becomes its committed state; "
                    + "revertflash rolls back to it from now on."
        })
public final class CommitflashCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    PairAction pairs;

    @Override
    public Integer call() {
        return pairs.run(spec.commandLine().getOut(), "commit", "successfully committed");
    }
}
