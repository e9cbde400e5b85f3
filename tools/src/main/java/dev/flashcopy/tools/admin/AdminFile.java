package dev.flashcopy.tools.admin;

import com.fasterxml.jackson.core.JacksonException;
import dev.flashcopy.engine.storage.AtomicFile;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * {@code DATA/admin.json}: where a running server's admin API listens ({@code http://} or
 * {@code https://}), the bearer token it wants, its pid, its NBD address, the read-only token for
 * monitoring, and, for HTTPS, the SHA-256 of its certificate, which clients pin. Written by {@code serve} with mode 0600 (the token is a password)
 * and deleted at shutdown; read by every other subcommand. Immutable; the static methods are
 * thread-safe for distinct data directories.
 */
public record AdminFile(String url, String token, long pid, String nbd, String readToken, String certificateSha256) {
    public static final String FILE_NAME = "admin.json";

    /** Plain HTTP, no read-only token. */
    public AdminFile(String url, String token, long pid, String nbd) {
        this(url, token, pid, nbd, null, null);
    }

    public static Path path(Path dataDir) {
        return dataDir.resolve(FILE_NAME);
    }

    /** Replaces the file atomically; nobody but the owner can read it at any instant. */
    public void write(Path dataDir) throws IOException {
        Path target = path(dataDir);
        // AtomicFile.replace writes TARGET.tmp with CREATE|TRUNCATE_EXISTING, so a tmp file we
        // create first with 0600 keeps that mode: the token is never world-readable, not even briefly.
        Path tmp = target.resolveSibling(FILE_NAME + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            throw new IOException("cannot create " + tmp + ": another process created it at the same time", e);
        }
        AtomicFile.replace(
                target, ApiJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(this));
    }

    /** The file's content; {@link NoSuchFileException} when no server has written it. */
    public static AdminFile read(Path dataDir) throws IOException {
        Path file = path(dataDir);
        byte[] bytes = Files.readAllBytes(file);
        try {
            AdminFile f = ApiJson.MAPPER.readValue(bytes, AdminFile.class);
            if (f.url() == null || f.token() == null) {
                throw new IOException(file + " lacks 'url' or 'token'; restart the server to rewrite it");
            }
            return f;
        } catch (JacksonException e) {
            throw new IOException(file + " is not valid JSON (" + e.getOriginalMessage() + ");"
                    + " restart the server to rewrite it");
        }
    }

    public static void delete(Path dataDir) throws IOException {
        Files.deleteIfExists(path(dataDir));
    }
}
