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

/** {@code flashcopy commitflash SRC:TGT...}: makes the targets' current states the committed ones. Not thread-safe. */
@Command(name = "commitflash", mixinStandardHelpOptions = true,
        description = {"Commit each revertible pair: the target's current state becomes its committed state; "
                + "revertflash rolls back to it from now on."})
public final class CommitflashCommand implements Callable<Integer> {
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
        return PairAction.run(data, spec.commandLine().getOut(), pairs, json, "commit", "successfully committed");
    }
}
