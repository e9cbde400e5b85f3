package dev.flashcopy.nbd.client;

import java.io.IOException;

/**
 * Opens a connection to the export a {@link RemoteDevice} stands for. The device calls it once when it opens and again
 * for each reconnect, so a dialer that looks up where the export lives now (its current owner, say) moves the device
 * there. Implementations are thread-safe.
 */
@FunctionalInterface
public interface Dialer {
    NbdConnection dial() throws IOException;

    /** Always the same export. */
    static Dialer of(RemoteExport export, ClientLoops loops) {
        return () -> NbdClient.open(export, loops);
    }
}
