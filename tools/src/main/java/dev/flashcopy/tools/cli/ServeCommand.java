package dev.flashcopy.tools.cli;

import dev.flashcopy.engine.tuning.Tunables;
import dev.flashcopy.nbd.tls.TlsMode;
import dev.flashcopy.tools.Version;
import dev.flashcopy.tools.admin.AdminFile;
import dev.flashcopy.tools.serve.DemoVolume;
import dev.flashcopy.tools.serve.FlashcopyServer;
import dev.flashcopy.tools.serve.HostPort;
import dev.flashcopy.tools.serve.NbdAddresses;
import dev.flashcopy.tools.serve.ServeSettings;
import dev.flashcopy.tools.serve.StartupException;
import dev.flashcopy.tools.serve.StoreChoice;
import java.io.PrintWriter;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code flashcopy serve}: runs the server in the foreground until SIGTERM or SIGINT (a shutdown
 * hook stops it cleanly) or until the calling thread is interrupted (how tests stop it). Prints
 * a banner whose {@code NBD server listening on HOST:PORT} lines tools parse (one per address: {@code unix:PATH}
 * for a unix socket). Not thread-safe.
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Run the server: export every volume over NBD and answer the admin API the other"
                    + " commands use. Runs until SIGTERM or Ctrl-C."
        })
public final class ServeCommand implements Callable<Integer> {
    /** Tools and tests parse this prefix; keep it stable. */
    public static final String NBD_BANNER = NbdAddresses.BANNER;

    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption data;

    @Mixin
    ListenOptions listen;

    @Option(
            names = "--admin",
            paramLabel = "HOST:PORT",
            converter = Converters.Address.class,
            defaultValue = "127.0.0.1:10810",
            description = "admin API address (default: ${DEFAULT-VALUE}; port 0: any free)")
    HostPort admin;

    @Mixin
    SecurityOptions security;

    @Option(names = "--demo", description = "create a 1 GiB sparse volume 'demo' if absent and print how to attach it")
    boolean demo;

    @Option(
            names = "--image-dir",
            paramLabel = "DIR",
            description = "a directory whose raw images 'mkvol NAME --file"
                    + " PATH' may register in place (repeatable; DATA/volumes always may)")
    List<Path> imageDirs = new ArrayList<>();

    @Mixin
    StoreOptions storeOptions;

    @Option(
            names = "--server-name",
            paramLabel = "NAME",
            description = "with --store rbd:POOL: this server's name among those sharing the pool (default:"
                    + " HOST:PORT of the first --listen); a second live server with the same name is refused")
    String serverName;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        FlashcopyServer server;
        // Before anything reads a tunable: a mistyped -Dflashcopy.* would otherwise be ignored (an A/B run then
        // measures the default twice), and a bad value would fail deep inside the server.
        List<String> tunableProblems = Tunables.problems(System.getProperties());
        if (!tunableProblems.isEmpty()) {
            throw new CommandFailure(ExitCode.USAGE, String.join("; ", tunableProblems));
        }
        for (Path dir : imageDirs) {
            if (!Files.isDirectory(dir)) {
                throw new CommandFailure(
                        ExitCode.USAGE,
                        "--image-dir " + dir + " is not a directory (expected: an"
                                + " existing directory of raw images)");
            }
        }
        StoreChoice storeChoice = storeOptions.choice();
        ServeSettings settings = new ServeSettings(
                        data.dataDir(),
                        listen.endpoints(
                                System.getenv(), ProcessHandle.current().pid()),
                        admin,
                        demo,
                        security.settings(),
                        imageDirs.stream()
                                .map(d -> d.toAbsolutePath().normalize())
                                .toList())
                .withStore(storeChoice, serverName);
        try {
            server = FlashcopyServer.start(settings, err);
        } catch (StartupException e) {
            throw new CommandFailure(ExitCode.START_FAILED, e.getMessage());
        }
        Thread hook = new Thread(server::close, "flashcopy-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            printBanner(server, settings, out, err);
            server.awaitStopped();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            // After a lost lease the server's own thread closes it, and may wait for ever on a cluster that does not
            // answer: neither this thread nor the shutdown hook waits for that again.
            if (server.stoppedBecause() == null) {
                server.close();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // The JVM is already shutting down and the hook is running or has run: nothing to undo.
            }
        }
        if (server.stoppedBecause() != null) {
            // The one line a supervisor's log shows; exit 5 asks it to start the server again (as a standby while
            // another server owns the store, or once the cluster answers again).
            throw new CommandFailure(
                    ExitCode.START_FAILED,
                    "lost ownership of the store (" + server.stoppedBecause() + "); stopped without writing more: a"
                            + " standby takes the store over, or start this server again once the cluster answers");
        }
        out.println("flashcopy server stopped");
        out.flush();
        return ExitCode.OK.code();
    }

    private void printBanner(FlashcopyServer server, ServeSettings settings, PrintWriter out, PrintWriter err) {
        for (String problem : server.store().loadProblems()) {
            err.println("flashcopy: warning: " + problem);
        }
        err.flush();
        out.println("flashcopy " + Version.get() + " serving " + server.dataDir());
        for (SocketAddress nbd : server.nbdAddresses()) {
            out.println(NBD_BANNER + NbdAddresses.format(nbd));
        }
        out.println("Admin API listening on " + server.adminFile().url() + " (token in "
                + AdminFile.path(server.dataDir()) + ")");
        if (settings.security().tlsMode() == TlsMode.ON && settings.security().clientCa() != null) {
            err.println("flashcopy: warning: --tls on lets clients skip TLS and so --tls-ca; use --tls require to"
                    + " make every client present a certificate");
            err.flush();
        }
        if (settings.security().hasCertificate()) {
            out.println("NBD TLS " + settings.security().tlsMode() + " (nbds:// URIs; client certificates "
                    + (settings.security().clientCa() != null ? "required" : "not asked for")
                    + (server.nbdTlsProvider() == null ? "" : "; provider " + server.nbdTlsProvider()) + ")");
        }
        out.println("Dashboard at " + server.adminFile().url()
                + "/ (a link that carries the token: bin/flashcopy dashboard --data " + server.dataDir() + ")");
        server.recoveryReport().forEach(line -> out.println("recovery: " + line));
        int volumes = server.store().records().size();
        out.println(volumes + " volume(s); list them with: bin/flashcopy lsvol --data " + server.dataDir());
        if (demo) {
            if (!server.demoCreated()) {
                out.println("(volume '" + DemoVolume.NAME + "' kept from an earlier run)");
            }
            DemoVolume.instructions(server.nbdAddresses(), settings.security()).forEach(out::println);
        }
        out.println("Stop with Ctrl-C or SIGTERM.");
        out.flush();
    }
}
