package dev.flashcopy.tools.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code flashcopy setflashrevertible SRC:TGT...}: makes recording pairs revertible: target writes from now on
 * can be undone (revertflash) or kept (commitflash). Not thread-safe.
 */
@Command(
        name = "setflashrevertible",
        mixinStandardHelpOptions = true,
        description = {
            "Make each pair revertible: from now on the target's state at this instant is its committed "
                    + "state, and revertflash can roll every later target write back to it. The pair must have been "
                    + "made with --record (--persist)."
        })
public final class SetflashrevertibleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    PairAction pairs;

    @Override
    public Integer call() {
        return pairs.run(spec.commandLine().getOut(), "revertible", "successfully made revertible");
    }
}
