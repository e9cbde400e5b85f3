package dev.flashcopy.nbd.listen;

import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * Who may connect through a unix socket file: its permission bits and owner. Connecting needs write permission
 * on the file, so the mode is the access control for local clients. Null fields leave what the bind made (the
 * mode the umask allows, the server's user and group). Immutable.
 *
 * @param mode  permission bits to set, or null
 * @param owner user name to give the file to, or null
 * @param group group name to give the file to, or null
 */
public record SocketFileAccess(Set<PosixFilePermission> mode, String owner, String group) {
    /** The file as the bind made it. */
    public static final SocketFileAccess UMASK = new SocketFileAccess(null, null, null);

    public SocketFileAccess {
        mode = mode == null ? null : Set.copyOf(mode);
    }

    /** Octal permission bits, {@code 0660} or {@code 660}; the message names the expected form. */
    public static Set<PosixFilePermission> parseMode(String text) {
        int bits;
        try {
            bits = Integer.parseInt(text.trim(), 8);
        } catch (NumberFormatException e) {
            bits = -1;
        }
        if (bits < 0 || bits > 0777) {
            throw new IllegalArgumentException(
                    "mode '" + text + "' is not valid (expected: octal permission bits such as 0660 or 0600)");
        }
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ
        };
        Set<PosixFilePermission> mode = EnumSet.noneOf(PosixFilePermission.class);
        for (int bit = 0; bit < order.length; bit++) {
            if ((bits & (1 << bit)) != 0) {
                mode.add(order[bit]);
            }
        }
        return mode;
    }

    /** {@code USER}, {@code USER:GROUP} or {@code :GROUP} into this record's owner and group. */
    public SocketFileAccess withOwner(String text) {
        String s = text.trim();
        int colon = s.indexOf(':');
        String user = colon < 0 ? s : s.substring(0, colon);
        String grp = colon < 0 ? "" : s.substring(colon + 1);
        if ((user.isEmpty() && grp.isEmpty()) || grp.contains(":")) {
            throw new IllegalArgumentException(
                    "owner '" + text + "' is not valid (expected: USER, USER:GROUP or :GROUP)");
        }
        return new SocketFileAccess(mode, user.isEmpty() ? null : user, grp.isEmpty() ? null : grp);
    }

    public SocketFileAccess withMode(Set<PosixFilePermission> newMode) {
        return new SocketFileAccess(newMode, owner, group);
    }
}
