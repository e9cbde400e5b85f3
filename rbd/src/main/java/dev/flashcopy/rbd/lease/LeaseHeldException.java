package dev.flashcopy.rbd.lease;

import java.io.IOException;

/**
 * A lease could not be taken because another server holds it ({@link #stale()} false), or held it and stopped
 * renewing without releasing it ({@link #stale()} true: only {@link Lease#takeOver()} may take it, fencing that
 * server first).
 */
public final class LeaseHeldException extends IOException {
    private final String objectName;
    private final String serverName;
    private final String address;
    private final boolean stale;

    LeaseHeldException(String objectName, String serverName, String address, boolean stale) {
        super(
                stale
                        ? objectName + " was held by server " + serverName + " (" + address
                                + "), which stopped renewing it; take it over to fence that server"
                        : objectName + " is held by server " + serverName + " (" + address + ")");
        this.objectName = objectName;
        this.serverName = serverName;
        this.address = address;
        this.stale = stale;
    }

    public String objectName() {
        return objectName;
    }

    /** The holder's {@code --server-name}. */
    public String serverName() {
        return serverName;
    }

    /** The holder's client address, as {@link dev.flashcopy.rbd.RadosCluster#address()} gives it. */
    public String address() {
        return address;
    }

    /** The holder stopped renewing: the lock expired, but the holder was neither released nor fenced. */
    public boolean stale() {
        return stale;
    }
}
