package dev.flashcopy.tools.serve;

import dev.flashcopy.engine.storage.DamagedMetadataException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Why {@code serve} could not start, in the one line the user reads. Stateless. */
final class StartFailures {
    private StartFailures() {}

    /**
     * A start failure as a sentence; damaged metadata of a store in a pool is checked by pool ({@code fsck --store}),
     * not by the data directory the engine's advice names.
     */
    static String inWords(Throwable e, StoreChoice store) {
        if (store instanceof StoreChoice.Rbd rbd) {
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof DamagedMetadataException damage) {
                    return damage.problem() + "; nothing was changed: stop every server on pool " + rbd.pool()
                            + ", then run flashcopy fsck " + rbd.options()
                            + " (and --repair to fail only what is damaged)";
                }
            }
        }
        return inWords(e);
    }

    /**
     * A start failure as a sentence: file system errors say what happened to which path (their own message is
     * often the bare path), and no failure shows as an exception's class name.
     */
    static String inWords(Throwable e) {
        Throwable t = e;
        while (t.getMessage() == null && t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String file = t instanceof FileSystemException f ? f.getFile() : null;
        String what = switch (t) {
            case NoSuchFileException x -> "no such file or directory: " + file;
            case AccessDeniedException x -> "permission denied: " + file;
            case NotDirectoryException x -> "not a directory: " + file;
            case FileAlreadyExistsException x -> "exists and is in the way: " + file;
            case FileSystemException x -> file + ": " + (x.getReason() == null ? "file system error" : x.getReason());
            default -> t.getMessage();
        };
        return what == null || what.isBlank()
                ? "an unexpected failure with no message; please report it (the" + " server log has the details)"
                : what;
    }
}
