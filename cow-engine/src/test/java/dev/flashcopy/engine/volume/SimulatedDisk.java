package dev.flashcopy.engine.volume;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A {@link Disk} in memory that loses what was not forced, as a power loss does, and fails chosen
 * operations, as a bad or full disk does.
 *
 * <p>Each file keeps its durable content and the operations since its last {@code fdatasync}/{@code fsync};
 * each directory keeps its entry changes (create, rename, delete) since its last fsync. {@link #crash()}
 * keeps, per file, a random subset of the unforced writes split into 4 KiB pages (so part of a multi-page
 * write may survive: a torn grain or a torn journal record), and per directory a random prefix of its entry
 * changes (file systems journal metadata in order). Everything then restarts from what survived; handles
 * opened before the crash fail with EIO. {@link #crashAtSync(int)} freezes that choice at the n-th sync from
 * now, so a crash can land inside an operation (between a target's fdatasync and the journal's, say).
 *
 * <p>Thread-safe: one lock around everything (it is a test double, not a fast one).
 */
public final class SimulatedDisk implements Disk {
    /** Operations {@link #fail} can target. */
    public enum Op {
        READ,
        WRITE,
        SYNC,
        ALLOCATE,
        TRUNCATE
    }

    /** What the last crash kept and dropped, for the test's report. */
    public record CrashReport(
            int pagesKept, int pagesDropped, int tornWrites, int dirChangesKept, int dirChangesDropped) {}

    private record DirChange(Path dir, Path from, Path to, SimInode inode) {}

    private record Fault(Predicate<Path> where, Op op, int errno) {}

    private final long seed;
    private long inodes;
    private final Map<Path, SimInode> names = new HashMap<>();
    private Map<Path, SimInode> durableNames = new HashMap<>();
    private final List<DirChange> dirChanges = new ArrayList<>();
    private final List<Fault> faults = new ArrayList<>();
    private int generation;

    private int syncsUntilFreeze = -1;
    private Predicate<Path> freezeOn = path -> true;
    private Frozen frozen;
    private CrashReport lastReport = new CrashReport(0, 0, 0, 0, 0);
    private long syncs;

    private record Frozen(
            Map<Path, SimInode> names, Map<SimInode, byte[]> content, Map<SimInode, Long> sizes, CrashReport report) {}

    public SimulatedDisk(long seed) {
        this.seed = seed;
    }

    // ---- crashes

    /** Loses a random part of everything not forced (or what {@link #crashAtSync} froze), and restarts. */
    public synchronized CrashReport crash() {
        Frozen f = frozen != null ? frozen : freeze();
        names.clear();
        names.putAll(f.names());
        durableNames = new HashMap<>(f.names());
        dirChanges.clear();
        f.content().forEach((inode, data) -> inode.restart(data, f.sizes().get(inode)));
        generation++;
        frozen = null;
        syncsUntilFreeze = -1;
        lastReport = f.report();
        return lastReport;
    }

    /** The power fails at the {@code n}-th sync (file or directory) from now, 1 = the next one, before it. */
    public synchronized void crashAtSync(int n) {
        crashAtSync(n, path -> true);
    }

    /** As {@link #crashAtSync(int)}, counting only syncs of files (or directories) {@code which} matches. */
    public synchronized void crashAtSync(int n, Predicate<Path> which) {
        if (n < 1) {
            throw new IllegalArgumentException("n: " + n + " (expected: >= 1)");
        }
        syncsUntilFreeze = n;
        freezeOn = which;
        frozen = null;
    }

    /** True once the power failed (a crash is frozen and waits for {@link #crash()}). */
    public synchronized boolean powerFailed() {
        return frozen != null;
    }

    int generation() {
        return generation;
    }

    public synchronized long syncs() {
        return syncs;
    }

    public synchronized CrashReport lastReport() {
        return lastReport;
    }

    void countSync(Path path) {
        syncs++;
        if (syncsUntilFreeze > 0 && freezeOn.test(path) && --syncsUntilFreeze == 0) {
            frozen = freeze();
        }
    }

    /**
     * The random choices for one file or directory at this crash: each draws from its own stream, so what one
     * file keeps does not depend on how many pages another had (a fixed seed repeats the same run).
     */
    private Random choices(long key) {
        return new Random(seed * 0x9E3779B97F4A7C15L + generation * 1_000_003L + key);
    }

    /** What a power loss now would leave, chosen at random; changes nothing. */
    private Frozen freeze() {
        Map<Path, SimInode> kept = new HashMap<>(durableNames);
        Map<Path, List<DirChange>> byDir = new TreeMap<>();
        dirChanges.forEach(
                c -> byDir.computeIfAbsent(c.dir(), d -> new ArrayList<>()).add(c));
        int dirKept = 0;
        int dirDropped = 0;
        for (List<DirChange> changes : byDir.values()) {
            int prefix = choices(changes.get(0).dir().toString().hashCode()).nextInt(changes.size() + 1);
            for (int i = 0; i < changes.size(); i++) {
                if (i < prefix) {
                    applyDir(kept, changes.get(i));
                    dirKept++;
                } else {
                    dirDropped++;
                }
            }
        }
        Map<SimInode, byte[]> content = new IdentityHashMap<>();
        Map<SimInode, Long> sizes = new IdentityHashMap<>();
        int pagesKept = 0;
        int pagesDropped = 0;
        int torn = 0;
        for (SimInode inode : allSimInodes()) {
            SimInode.Survivor survivor = inode.survivor(choices(inode.id));
            content.put(inode, survivor.data());
            sizes.put(inode, survivor.size());
            pagesKept += survivor.pagesKept();
            pagesDropped += survivor.pagesDropped();
            torn += survivor.tornWrites();
        }
        return new Frozen(kept, content, sizes, new CrashReport(pagesKept, pagesDropped, torn, dirKept, dirDropped));
    }

    private List<SimInode> allSimInodes() {
        TreeMap<Long, SimInode> all = new TreeMap<>();
        names.values().forEach(i -> all.put(i.id, i));
        durableNames.values().forEach(i -> all.put(i.id, i));
        dirChanges.stream().filter(c -> c.inode() != null).forEach(c -> all.put(c.inode().id, c.inode()));
        return new ArrayList<>(all.values());
    }

    private static void applyDir(Map<Path, SimInode> map, DirChange c) {
        if (c.inode() != null) {
            map.put(c.to(), c.inode()); // create
        } else if (c.to() == null) {
            map.remove(c.from()); // delete
        } else {
            SimInode moved = map.remove(c.from());
            if (moved != null) {
                map.put(c.to(), moved);
            }
        }
    }

    // ---- faults

    /** From now on, {@code op} on files whose path matches fails with {@code errno} (e.g. 5 EIO, 28 ENOSPC). */
    public synchronized void fail(Predicate<Path> where, Op op, int errno) {
        faults.add(new Fault(where, op, errno));
    }

    public synchronized void clearFaults() {
        faults.clear();
    }

    int fault(Path path, Op op) {
        for (Fault f : faults) {
            if (f.op() == op && f.where().test(path)) {
                return f.errno();
            }
        }
        return 0;
    }

    // ---- Disk

    @Override
    public synchronized DiskFile open(Path path, OpenMode mode) throws IOException {
        Path p = path.toAbsolutePath().normalize();
        SimInode inode = names.get(p);
        switch (mode) {
            case READ, WRITE -> {
                if (inode == null) {
                    throw new NoSuchFileException(p.toString());
                }
            }
            case CREATE_NEW -> {
                if (inode != null) {
                    throw new FileAlreadyExistsException(p.toString());
                }
            }
            default -> {}
        }
        if (inode == null) {
            inode = new SimInode(++inodes);
            names.put(p, inode);
            dirChanges.add(new DirChange(p.getParent(), null, p, inode));
        } else if (mode == OpenMode.CREATE_TRUNCATE) {
            inode.truncate(0);
        }
        return new SimulatedFile(this, p, inode, generation);
    }

    @Override
    public synchronized boolean exists(Path path) {
        return names.containsKey(path.toAbsolutePath().normalize());
    }

    @Override
    public synchronized boolean isRegularFile(Path path) {
        return exists(path);
    }

    @Override
    public synchronized byte[] readAll(Path path) throws IOException {
        SimInode inode = names.get(path.toAbsolutePath().normalize());
        if (inode == null) {
            throw new NoSuchFileException(path.toString());
        }
        return inode.readAll();
    }

    @Override
    public synchronized void rename(Path from, Path to) throws IOException {
        Path f = from.toAbsolutePath().normalize();
        Path t = to.toAbsolutePath().normalize();
        SimInode inode = names.remove(f);
        if (inode == null) {
            throw new NoSuchFileException(f.toString());
        }
        names.put(t, inode);
        dirChanges.add(new DirChange(t.getParent(), f, t, null));
    }

    @Override
    public synchronized void deleteIfExists(Path path) {
        Path p = path.toAbsolutePath().normalize();
        if (names.remove(p) != null) {
            dirChanges.add(new DirChange(p.getParent(), p, null, null));
        }
    }

    @Override
    public void createDirectories(Path dir) {
        // Directories are implicit here: a file's parent exists once the file does.
    }

    @Override
    public synchronized List<Path> list(Path dir) {
        Path d = dir.toAbsolutePath().normalize();
        return names.keySet().stream()
                .filter(p -> d.equals(p.getParent()))
                .sorted()
                .toList();
    }

    @Override
    public synchronized void syncDirectory(Path dir) throws IOException {
        Path d = dir.toAbsolutePath().normalize();
        if (fault(d, Op.SYNC) != 0) {
            throw new IOException("fsync directory " + d + ": errno " + fault(d, Op.SYNC));
        }
        countSync(d);
        dirChanges.removeIf(c -> {
            if (c.dir().equals(d)) {
                applyDir(durableNames, c);
                return true;
            }
            return false;
        });
    }
}
