package dev.flashcopy.tools.serve;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.HashMap;
import java.util.Map;

/**
 * Where the store's owner answers its admin API, as it publishes it for standbys ({@code flashcopy.admin.NAME}): the
 * URL, its read-only token, its certificate's SHA-256 (pinned, for HTTPS and NBD over TLS), and whether its NBD
 * speaks TLS (a standby's forward then does too). The read-only token is safe in the
 * pool: whoever may read the pool reads every image and metadata object already, which is all a GET shows; the full
 * token is never published, so nobody changes anything through the owner's API with what the pool holds. Immutable.
 *
 * @param server the owner's {@code --server-name}
 * @param url {@code http://HOST:PORT} or {@code https://HOST:PORT}
 * @param readToken the owner's read-only token
 * @param certificateSha256 the owner's certificate fingerprint, null when it has none
 * @param nbdTls whether the owner's NBD offers or requires TLS ({@code --tls on|require}); absent in records of
 *     servers before it, which read as false
 */
record OwnerAdmin(String server, String url, String readToken, String certificateSha256, boolean nbdTls) {
    byte[] encode() {
        return ("url " + url + "\nreadToken " + readToken + "\n"
                        + (certificateSha256 == null ? "" : "certificate " + certificateSha256 + "\n")
                        + (nbdTls ? "nbdTls true\n" : ""))
                .getBytes(UTF_8);
    }

    static OwnerAdmin decode(String server, byte[] bytes) {
        Map<String, String> fields = new HashMap<>();
        for (String line : new String(bytes, UTF_8).split("\n")) {
            int space = line.indexOf(' ');
            if (space > 0) {
                fields.put(line.substring(0, space), line.substring(space + 1).strip());
            }
        }
        if (fields.get("url") == null || fields.get("readToken") == null) {
            throw new IllegalArgumentException("flashcopy.admin." + server + " lacks url or readToken");
        }
        return new OwnerAdmin(
                server,
                fields.get("url"),
                fields.get("readToken"),
                fields.get("certificate"),
                "true".equals(fields.get("nbdTls")));
    }
}
