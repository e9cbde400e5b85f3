package dev.flashcopy.nbd.client;

import io.netty.util.collection.LongObjectHashMap;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The requests of one connection that are sent and not yet answered, by cookie. Cookies count up from 1 per
 * connection, so a reply names a request unambiguously. Confined to the connection's event loop: the writer adds,
 * the decoder removes, and a lost connection fails whatever is left.
 */
final class InFlight {
    private final LongObjectHashMap<ClientRequest> byCookie = new LongObjectHashMap<>();
    private long nextCookie = 1;
    private IOException closedBy;

    /** Gives {@code r} a cookie and waits for its reply; fails it at once when the connection is already lost. */
    void add(ClientRequest r) {
        if (closedBy != null) {
            r.fail(closedBy);
            return;
        }
        r.cookie = nextCookie++;
        byCookie.put(r.cookie, r);
    }

    ClientRequest get(long cookie) {
        return byCookie.get(cookie);
    }

    ClientRequest remove(long cookie) {
        return byCookie.remove(cookie);
    }

    boolean isClosed() {
        return closedBy != null;
    }

    int size() {
        return byCookie.size();
    }

    /** Fails every request waiting, and every one submitted from now on, with {@code cause}. */
    void failAll(IOException cause) {
        if (closedBy == null) {
            closedBy = cause;
        }
        List<ClientRequest> waiting = new ArrayList<>(byCookie.values());
        byCookie.clear();
        for (ClientRequest r : waiting) {
            r.fail(closedBy);
        }
    }
}
