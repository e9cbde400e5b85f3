package dev.flashcopy.tools;

import dev.flashcopy.tools.cli.CommandFailure;
import dev.flashcopy.tools.cli.CommitflashCommand;
import dev.flashcopy.tools.cli.CompletionCommand;
import dev.flashcopy.tools.cli.DashboardCommand;
import dev.flashcopy.tools.cli.ExitCode;
import dev.flashcopy.tools.cli.FsckCommand;
import dev.flashcopy.tools.cli.LsflashCommand;
import dev.flashcopy.tools.cli.LsvolCommand;
import dev.flashcopy.tools.cli.MkflashCommand;
import dev.flashcopy.tools.cli.MkvolCommand;
import dev.flashcopy.tools.cli.MoveCommand;
import dev.flashcopy.tools.cli.OptionWords;
import dev.flashcopy.tools.cli.ResyncflashCommand;
import dev.flashcopy.tools.cli.ReverseflashCommand;
import dev.flashcopy.tools.cli.RevertflashCommand;
import dev.flashcopy.tools.cli.RmflashCommand;
import dev.flashcopy.tools.cli.RmvolCommand;
import dev.flashcopy.tools.cli.ServeCommand;
import dev.flashcopy.tools.cli.SetflashrevertibleCommand;
import dev.flashcopy.tools.cli.UnfreezeflashCommand;
import dev.flashcopy.tools.cli.WaitCommand;
import dev.flashcopy.tools.client.AdminCallException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code flashcopy} command: the top of the picocli tree, which lists every subcommand, and
 * {@link #newCommandLine}, the one factory {@link #main} and the tests use, so both see the same
 * error handling and exit codes. Not thread-safe; build one command line per invocation.
 */
@Command(
        name = "flashcopy",
        mixinStandardHelpOptions = true,
        versionProvider = Flashcopy.VersionProvider.class,
        synopsisSubcommandLabel = "COMMAND",
        description = {"Point-in-time copies of volumes (sparse raw images), exported over NBD.", ""},
        subcommands = {
            ServeCommand.class,
            MkvolCommand.class,
            LsvolCommand.class,
            RmvolCommand.class,
            MkflashCommand.class,
            LsflashCommand.class,
            RmflashCommand.class,
            ResyncflashCommand.class,
            ReverseflashCommand.class,
            UnfreezeflashCommand.class,
            SetflashrevertibleCommand.class,
            CommitflashCommand.class,
            RevertflashCommand.class,
            WaitCommand.class,
            DashboardCommand.class,
            CompletionCommand.class,
            FsckCommand.class,
            MoveCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Flashcopy implements Runnable {
    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = newCommandLine(out, err).execute(args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** The command tree, printing to {@code out} and {@code err}, with flashcopy's error reporting. */
    public static CommandLine newCommandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Flashcopy());
        cl.setOut(out);
        cl.setErr(err);
        cl.setUsageHelpWidth(100);
        cl.setParameterExceptionHandler(Flashcopy::reportUsageError);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> reportFailure(e, commandLine));
        describeExitCodes(cl);
        return cl;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command");
    }

    private static void describeExitCodes(CommandLine cl) {
        cl.getCommandSpec()
                .usageMessage()
                .exitCodeListHeading("%nExit codes:%n")
                .exitCodeList(ExitCode.helpSection());
        cl.getSubcommands().values().forEach(Flashcopy::describeExitCodes);
    }

    /** One line, then where to read more: picocli's default dumps the whole usage text. */
    private static int reportUsageError(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        // picocli prefixes some messages with "Error: "; ours already start with "flashcopy: ".
        String message = e.getMessage().startsWith("Error: ") ? e.getMessage().substring(7) : e.getMessage();
        err.println("flashcopy: " + message + " (see '" + cl.getCommandSpec().qualifiedName() + " --help')");
        err.flush();
        return ExitCode.USAGE.code();
    }

    private static int reportFailure(Exception e, CommandLine cl) {
        PrintWriter err = cl.getErr();
        ExitCode code = switch (e) {
            case CommandFailure f -> f.exitCode();
            case AdminCallException a ->
                switch (a.kind()) {
                    case REFUSED -> ExitCode.REFUSED;
                    case UNREACHABLE -> ExitCode.UNREACHABLE;
                    case FAILED -> ExitCode.UNEXPECTED;
                };
            default -> ExitCode.UNEXPECTED;
        };
        if (code == ExitCode.UNEXPECTED && !(e instanceof CommandFailure) && !(e instanceof AdminCallException)) {
            // A bug, not a user mistake: name it in one line; the trace only when asked for.
            err.println("flashcopy: unexpected error: " + e + " (set FLASHCOPY_DEBUG=1 for the stack trace)");
            if (System.getenv("FLASHCOPY_DEBUG") != null) {
                e.printStackTrace(err);
            }
        } else if (e instanceof AdminCallException) {
            err.println("flashcopy: " + OptionWords.of(e.getMessage()));
        } else {
            err.println("flashcopy: " + e.getMessage());
        }
        err.flush();
        return code.code();
    }

    /** {@code flashcopy --version}. */
    static final class VersionProvider implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"flashcopy " + Version.get(), "Java " + Runtime.version()};
        }
    }
}
