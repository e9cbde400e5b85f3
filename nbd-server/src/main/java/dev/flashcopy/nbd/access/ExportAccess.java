package dev.flashcopy.nbd.access;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The server's export rules. An export named in {@code allowed} may be opened only by clients in
 * its ranges; {@link #ANY_EXPORT} ({@code *}) gives the ranges for every export not named; an
 * export with no rule is open to every client that reaches the port. An export (or {@code *}) in
 * {@code readOnly} is served read-only to everyone. Unknown client addresses are denied whenever a
 * range applies (fail closed). Immutable, hence thread-safe.
 */
public final class ExportAccess {
    /** The name that stands for every export without a rule of its own. */
    public static final String ANY_EXPORT = "*";
    /** No rules: every export open, as the device allows. */
    public static final ExportAccess OPEN = new ExportAccess(Map.of(), Set.of());

    private final Map<String, List<AddressRange>> allowed;
    private final Set<String> readOnly;

    public ExportAccess(Map<String, List<AddressRange>> allowed, Set<String> readOnly) {
        allowed.forEach((name, ranges) -> {
            if (ranges.isEmpty()) {
                throw new IllegalArgumentException("export '" + name + "': no address range (expected: at least one)");
            }
        });
        this.allowed = Map.copyOf(allowed);
        this.readOnly = Set.copyOf(readOnly);
    }

    /** What {@code client} (null when its address is not an IP address) may do with {@code export}. */
    public Access decide(String export, InetAddress client) {
        List<AddressRange> ranges = allowed.getOrDefault(export, allowed.get(ANY_EXPORT));
        if (ranges != null && ranges.stream().noneMatch(r -> r.contains(client))) {
            return Access.DENIED;
        }
        return readOnly.contains(export) || readOnly.contains(ANY_EXPORT) ? Access.READ_ONLY : Access.READ_WRITE;
    }

    public boolean isOpen() {
        return allowed.isEmpty() && readOnly.isEmpty();
    }

    @Override
    public String toString() {
        return "ExportAccess[allowed=" + allowed + ", readOnly=" + readOnly + "]";
    }
}
