package dev.flashcopy.rbd.lease;

/**
 * Told once when a holder loses its lease: a renewal failed (the lock expired, was broken, or this client was
 * fenced) or none was confirmed within the lease's duration. The holder must stop writing what the lease covers and
 * drop the connections it serves from it. Runs on the lease's renewal thread; keep it short.
 */
@FunctionalInterface
public interface LeaseListener {
    void leaseLost(Lease lease, String reason);
}
