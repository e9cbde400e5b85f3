package dev.flashcopy.tools.cli;

import dev.flashcopy.engine.check.MetadataCheck;
import dev.flashcopy.engine.storage.DataDirectoryLock;
import dev.flashcopy.engine.volume.Disk;
import dev.flashcopy.tools.serve.OfflineStore;
import dev.flashcopy.tools.serve.StartupException;
import dev.flashcopy.tools.serve.StoreChoice;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code flashcopy fsck [--repair] [--store rbd:POOL]}: the offline check of a stopped server's metadata, in its data
 * directory or, on RBD, in the pool's RADOS objects. Not thread-safe.
 */
@Command(
        name = "fsck",
        mixinStandardHelpOptions = true,
        description = {
            "Check a stopped server's data directory (with --store rbd:POOL: the store's metadata objects in the"
                    + " pool, while no server serves it): every metadata file's checksum, the journal (a torn"
                    + " tail the server cuts, or corruption it refuses), checkpoint, catalogs, failure log, revert logs, and"
                    + " each relationship against its volumes. One line per finding, then a summary; exit 0 clean, 1"
                    + " damaged. --repair fails (never deletes) the relationships the damage could hold and sets damaged"
                    + " files aside as NAME.damaged, so the rest is served again."
        })
public final class FsckCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption data;

    @Mixin
    StoreOptions store;

    @Option(names = "--repair", description = "fail what is damaged and set damaged files aside (never deletes)")
    boolean repair;

    @Override
    public Integer call() {
        Path dir = data.dataDir();
        PrintWriter out = spec.commandLine().getOut();
        MetadataCheck.Report report;
        String checked;
        String rerun;
        if (store.choice() instanceof StoreChoice.Rbd rbd) {
            // The pool's store, held through its lease as a server holds it: no server serves it meanwhile.
            try (OfflineStore held = OfflineStore.claim(rbd, "fsck")) {
                report = run(held.metadata(), held.metadataRoot());
            } catch (StartupException e) {
                throw new CommandFailure(ExitCode.START_FAILED, e.getMessage());
            }
            checked = "pool " + rbd.pool();
            rerun = "flashcopy fsck " + rbd.options();
        } else {
            if (!Files.isDirectory(dir)) {
                throw new CommandFailure(
                        ExitCode.USAGE,
                        "--data " + dir + ": no such directory (expected: a server's" + " data directory)");
            }
            try (DataDirectoryLock lock = DataDirectoryLock.acquire(dir)) {
                report = run(Disk.posix(), dir);
            } catch (IOException e) {
                throw new CommandFailure(ExitCode.START_FAILED, e.getMessage());
            }
            checked = dir.toString();
            rerun = "flashcopy fsck --data " + dir;
        }
        report.findings().forEach(f -> out.println(f.line()));
        report.repairs().forEach(r -> out.println("repaired: " + r));
        long damaged =
                report.findings().stream().filter(MetadataCheck.Finding::damage).count();
        String summary;
        int code;
        if (damaged == 0) {
            summary = "clean";
            code = ExitCode.OK.code();
        } else if (!repair) {
            summary = damaged + " damaged; nothing was changed: run " + rerun + " --repair"
                    + (report.repairable() ? "" : " after restoring the damaged catalog from a backup");
            code = ExitCode.REFUSED.code();
        } else if (report.repairable()) {
            summary = damaged + " damaged, repaired: the store starts again; failed relationships are listed by"
                    + " lsflash (withdraw them with rmflash)";
            code = ExitCode.OK.code();
        } else {
            summary = damaged + " damaged, not repaired: restore the damaged catalog from a backup, then run fsck"
                    + " --repair again";
            code = ExitCode.REFUSED.code();
        }
        out.println("fsck " + checked + ": " + report.findings().size() + " check(s), " + summary);
        out.flush();
        return code;
    }

    private MetadataCheck.Report run(Disk disk, Path root) {
        return repair ? MetadataCheck.repair(disk, root) : MetadataCheck.check(disk, root);
    }
}
