package dev.flashcopy.rbd.lease;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * What a lease object holds besides its lock: which server took it last, from which client address, and whether it
 * released it. The lock itself vanishes when it expires, so this is how a survivor learns whom to fence. Stored as a
 * few {@code key value} lines, readable with {@code rados get}:
 *
 * <pre>
 * flashcopy-lease 1
 * state held
 * server node-a:10809
 * address 127.0.0.1:0/3356121390
 * </pre>
 *
 * <p>A holder that hands the lease to a named server ({@link Lease#handOver}) releases it with a line {@code to NAME}:
 * other servers leave it to that one for a bounded time ({@link Handovers}).
 *
 * @param held false once the holder released the lease cleanly (no fence needed)
 * @param serverName the holder's {@code --server-name}
 * @param address the holder's client address ({@link dev.flashcopy.rbd.RadosCluster#address()})
 * @param handoverTo the server a released lease was handed to, or null
 */
public record HolderRecord(boolean held, String serverName, String address, String handoverTo) {
    private static final String MAGIC = "flashcopy-lease 1";

    /** A record without a handover. */
    public HolderRecord(boolean held, String serverName, String address) {
        this(held, serverName, address, null);
    }

    byte[] encode() {
        return (MAGIC + "\nstate " + (held ? "held" : "released") + "\nserver " + serverName + "\naddress " + address
                        + "\n" + (handoverTo == null ? "" : "to " + handoverTo + "\n"))
                .getBytes(UTF_8);
    }

    /** Null for an empty object (a lock taken by a holder that died before writing its record). */
    static HolderRecord decode(String objectName, byte[] bytes) throws IOException {
        if (bytes.length == 0) {
            return null;
        }
        String[] lines = new String(bytes, UTF_8).split("\n");
        if (!lines[0].equals(MAGIC)) {
            throw new IOException(objectName + ": not a flashcopy lease record (first line: " + lines[0] + ")");
        }
        Map<String, String> fields = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int space = lines[i].indexOf(' ');
            if (space > 0) {
                fields.put(lines[i].substring(0, space), lines[i].substring(space + 1));
            }
        }
        String state = fields.get("state");
        String server = fields.get("server");
        String address = fields.get("address");
        if (server == null || address == null || !("held".equals(state) || "released".equals(state))) {
            throw new IOException(objectName + ": lease record lacks state, server or address: " + fields);
        }
        return new HolderRecord(state.equals("held"), server, address, fields.get("to"));
    }
}
