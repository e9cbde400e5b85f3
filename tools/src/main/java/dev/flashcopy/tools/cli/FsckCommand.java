package dev.flashcopy.tools.cli;

import dev.flashcopy.engine.check.MetadataCheck;
import dev.flashcopy.engine.storage.DataDirectoryLock;
import dev.flashcopy.engine.volume.Disk;
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

/** {@code flashcopy fsck [--repair]}: the offline check of a stopped server's data directory. Not thread-safe. */
@Command(
        name = "fsck",
        mixinStandardHelpOptions = true,
        description = {
            "Check a stopped server's data directory: every metadata file's checksum, the journal (a torn"
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

    @Option(names = "--repair", description = "fail what is damaged and set damaged files aside (never deletes)")
    boolean repair;

    @Override
    public Integer call() {
        Path dir = data.dataDir();
        if (!Files.isDirectory(dir)) {
            throw new CommandFailure(
                    ExitCode.USAGE, "--data " + dir + ": no such directory (expected: a server's" + " data directory)");
        }
        PrintWriter out = spec.commandLine().getOut();
        MetadataCheck.Report report;
        try (DataDirectoryLock lock = DataDirectoryLock.acquire(dir)) {
            report = repair ? MetadataCheck.repair(Disk.posix(), dir) : MetadataCheck.check(Disk.posix(), dir);
        } catch (IOException e) {
            throw new CommandFailure(ExitCode.START_FAILED, e.getMessage());
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
            summary = damaged + " damaged; nothing was changed: run flashcopy fsck --data " + dir + " --repair"
                    + (report.repairable() ? "" : " after restoring the damaged catalog from a backup");
            code = ExitCode.REFUSED.code();
        } else if (report.repairable()) {
            summary = damaged + " damaged, repaired: the directory starts again; failed relationships are listed by"
                    + " lsflash (withdraw them with rmflash)";
            code = ExitCode.OK.code();
        } else {
            summary = damaged + " damaged, not repaired: restore the damaged catalog from a backup, then run fsck"
                    + " --repair again";
            code = ExitCode.REFUSED.code();
        }
        out.println("fsck " + dir + ": " + report.findings().size() + " check(s), " + summary);
        out.flush();
        return code;
    }
}
