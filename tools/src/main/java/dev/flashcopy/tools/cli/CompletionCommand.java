package dev.flashcopy.tools.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code flashcopy completion}: prints a bash (and zsh, through bashcompinit) completion script generated from
 * the command tree itself, so subcommands and options added later complete without editing a script by hand.
 * Not thread-safe.
 */
@Command(
        name = "completion",
        mixinStandardHelpOptions = true,
        description = {
            "Print a bash/zsh completion script for flashcopy. Load it in this shell with"
                    + " 'source <(bin/flashcopy completion)', or install it: 'bin/flashcopy completion >"
                    + " /etc/bash_completion.d/flashcopy'."
        })
public final class CompletionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        out.print(AutoComplete.bash("flashcopy", spec.root().commandLine()));
        out.flush();
        return ExitCode.OK.code();
    }
}
