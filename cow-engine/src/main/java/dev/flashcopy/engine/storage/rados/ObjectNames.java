package dev.flashcopy.engine.storage.rados;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a path under the root lives in the pool: a file at {@code ROOT/a/b} is the object {@code PREFIX/a/b}; a
 * directory at {@code ROOT/a} is the object {@code PREFIX/a/} (the root's is {@code PREFIX/}), whose omap keys are
 * its entries' names. The trailing slash keeps a directory's object apart from any file's, since a file name never
 * ends in one. A path outside the root has no object: an {@link IOException} naming both.
 *
 * <p>Immutable; thread-safe.
 */
record ObjectNames(String prefix, Path root) {
    ObjectNames {
        if (prefix.isEmpty() || prefix.endsWith("/")) {
            throw new IllegalArgumentException("prefix: '" + prefix + "' (expected: a non-empty object name prefix"
                    + " without a trailing slash)");
        }
        if (!root.isAbsolute()) {
            throw new IllegalArgumentException("root: " + root + " (expected: an absolute path)");
        }
        root = root.normalize();
    }

    /** The relative path of {@code path} under the root, '/'-separated; empty for the root itself. */
    String relative(Path path) throws IOException {
        Path p = path.toAbsolutePath().normalize();
        if (!p.startsWith(root)) {
            throw new IOException(
                    path + " is outside " + root + ", the data directory kept in RADOS objects " + prefix + "/*");
        }
        return root.relativize(p).toString();
    }

    /** The object holding the file at {@code path}. */
    String file(Path path) throws IOException {
        String rel = relative(path);
        if (rel.isEmpty()) {
            throw new IOException(path + " is the data directory kept in RADOS objects " + prefix + "/*, not a file");
        }
        return prefix + "/" + rel;
    }

    /** The object holding the entries of the directory at {@code path}. */
    String directory(Path path) throws IOException {
        String rel = relative(path);
        return rel.isEmpty() ? prefix + "/" : prefix + "/" + rel + "/";
    }

    /** The object of the directory {@code path} is an entry of; {@code path} must not be the root. */
    String parent(Path path) throws IOException {
        return directory(path.toAbsolutePath().normalize().getParent());
    }
}
