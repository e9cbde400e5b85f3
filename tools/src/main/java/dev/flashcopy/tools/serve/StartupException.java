package dev.flashcopy.tools.serve;

import java.io.Serial;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * Why the server could not start, in one line fit for the user: the data directory is locked, an
 * address is in use, the catalog is unreadable. Everything already started has been stopped.
 */
public final class StartupException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    public StartupException(String message, Throwable cause) {
        super(message, cause);
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
