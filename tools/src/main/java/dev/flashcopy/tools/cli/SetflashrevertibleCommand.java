package dev.flashcopy.tools.cli;

import dev.flashcopy.engine.flash.PairSpec;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code flashcopy setflashrevertible SRC:TGT...}: makes recording pairs revertible: target writes from now on
 * can be undone (revertflash) or kept (commitflash). Not thread-safe.
 */
@Command(name = "setflashrevertible", mixinStandardHelpOptions = true,
        description = {"Make each pair revertible: from now on the target's state at this instant is its committed "
                + "state, and revertflash can roll every later target write back to it. The pair must have been "
                + "made with --record (--persist)."})
public final class SetflashrevertibleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption data;

    @Parameters(arity = "1..*", paramLabel = "SRC:TGT", converter = Converters.Pair.class,
            description = "the relationships, each as it runs now")
    List<PairSpec> pairs;

    @Option(names = "--json", description = "print the relationships afterwards as a JSON array")
    boolean json;

    @Override
    public Integer call() {
        return PairAction.run(data, spec.commandLine().getOut(), pairs, json, "revertible", "successfully made revertible");
    }
}
