package dev.flashcopy.rbd.lease;

import java.io.IOException;

/** A live server already runs under the {@code --server-name} another one tried to register. */
public final class ServerNameInUseException extends IOException {
    private final String serverName;
    private final String address;

    ServerNameInUseException(String serverName, String address) {
        super("--server-name " + serverName + " is in use by a live server (client " + address
                + "); stop that server or choose another --server-name");
        this.serverName = serverName;
        this.address = address;
    }

    public String serverName() {
        return serverName;
    }

    /** The live server's client address. */
    public String address() {
        return address;
    }
}
