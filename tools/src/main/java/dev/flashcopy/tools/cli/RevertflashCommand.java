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

/** {@code flashcopy revertflash SRC:TGT...}: rolls targets back to their last committed state. Not thread-safe. */
@Command(name = "revertflash", mixinStandardHelpOptions = true,
        description = {"Revert each revertible pair: every target write since the last commitflash (or "
                + "setflashrevertible) is undone. The pair stays revertible."})
public final class RevertflashCommand implements Callable<Integer> {
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
        return PairAction.run(data, spec.commandLine().getOut(), pairs, json, "revert",
                "successfully reverted to its last committed state");
    }
}
