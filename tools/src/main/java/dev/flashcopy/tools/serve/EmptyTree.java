package dev.flashcopy.tools.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** Removes a directory tree only when it holds no data: empty directories and a few named files. */
final class EmptyTree {
    private EmptyTree() {}

    /**
     * Deletes {@code root} with its subdirectories if every file in it is a regular file at one of the {@code allowed}
     * paths (relative to {@code root}); otherwise touches nothing and returns false. Not atomic: the caller owns the
     * tree (no server runs on it).
     */
    static boolean removeIfOnly(Path root, Set<String> allowed) throws IOException {
        if (!Files.isDirectory(root)) {
            return false;
        }
        List<Path> all;
        try (Stream<Path> walk = Files.walk(root)) {
            all = walk.sorted(Comparator.reverseOrder()).toList(); // children before their parents
        }
        for (Path p : all) {
            boolean directory = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
            boolean named = allowed.contains(root.relativize(p).toString())
                    && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS);
            if (!directory && !named) {
                return false;
            }
        }
        for (Path p : all) {
            Files.delete(p);
        }
        return true;
    }
}
