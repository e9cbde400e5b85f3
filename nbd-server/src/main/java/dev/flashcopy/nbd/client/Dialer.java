package dev.flashcopy.nbd.client;

import java.io.IOException;
import java.util.List;

/**
 * Opens connections to the export a {@link RemoteDevice} stands for. The device dials once when it opens and again
 * for each reconnect (and for each dirty map it reads), so a dialer that looks up where the export lives now (its
 * current owner, say) moves the device there. Implementations are thread-safe.
 */
public interface Dialer {
    /** A connection with {@code base:allocation}. */
    default NbdConnection dial() throws IOException {
        return dial(List.of(ExportDetails.BASE_ALLOCATION));
    }

    /** A connection selecting {@code contexts}, those of them the server has. */
    NbdConnection dial(List<String> contexts) throws IOException;

    /** The contexts the export offers that match {@code query} (see {@link NbdClient#listContexts}). */
    List<String> listContexts(String query) throws IOException;

    /** Always the same export. */
    static Dialer of(RemoteExport export, ClientLoops loops) {
        return new Dialer() {
            @Override
            public NbdConnection dial(List<String> contexts) throws IOException {
                return NbdClient.open(export, loops, contexts);
            }

            @Override
            public List<String> listContexts(String query) throws IOException {
                return NbdClient.listContexts(export, loops, query);
            }
        };
    }
}
