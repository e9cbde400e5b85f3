package dev.flashcopy.tools.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every exit status the {@code flashcopy} command returns: the one table, shown in each
 * command's {@code --help} and relied on by scripts. Immutable, hence thread-safe.
 */
public enum ExitCode {
    OK(0, "success"),
    REFUSED(1, "the server refused the request (bad value, unknown or conflicting object); fsck: damage found"),
    USAGE(2, "usage error: unknown option, missing or malformed argument"),
    UNREACHABLE(3, "no server: DATA/admin.json missing or the server does not answer"),
    UNEXPECTED(4, "unexpected failure: server-side I/O error or a bug (see the message)"),
    START_FAILED(5, "serve could not start: data directory in use, damaged (see fsck), address in use or unusable"),
    TIMED_OUT(6, "wait, mkflash --wait or rmflash --cp gave up after --timeout; the copy goes on"),
    WITHDRAWN(7, "wait or --wait: the relationship was withdrawn before its copy completed (target not a full copy)"),
    FAILED(8, "wait or --wait: the relationship failed (its target holds no point in time)");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }

    /** The table as picocli's {@code exitCodeList} wants it: padded code to meaning. */
    public static Map<String, String> helpSection() {
        Map<String, String> m = new LinkedHashMap<>();
        for (ExitCode c : values()) {
            m.put(String.format("%3d", c.code), c.meaning);
        }
        return m;
    }
}
