package dev.flashcopy.tools.serve;

import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.flash.FlashEngine;
import java.io.IOException;
import java.util.List;

/**
 * A server's term as the owner of its store: the store open and the engine recovered from it, from the start (or a
 * takeover) until the server stops, or hands the store to another server. Closing it writes the last checkpoint and
 * closes the store; abandoning it (the lease was lost) writes nothing more. Thread-safe as the engine is.
 *
 * @param demoCreated whether {@code --demo} created the demo volume in this term
 */
record OwnerTerm(VolumeStore store, FlashEngine flash, boolean demoCreated) implements AutoCloseable {
    /** Opens the engine over {@code store}, which is closed again when recovery fails. */
    static OwnerTerm open(VolumeStore store, boolean demo) throws IOException {
        try {
            boolean demoCreated = demo && DemoVolume.ensure(store);
            // Recovery runs here: relationships, bitmaps and copy progress come back before any volume is served.
            return new OwnerTerm(store, FlashEngine.open(store), demoCreated);
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** Lets writes a consistency-group freeze holds go on: they complete, and are answered, before NBD stops. */
    void releaseFreezes() {
        flash.freezes().unfreeze(List.of());
    }

    /** Stops the engine where it is without writing more metadata: another server owns the store now. */
    void abandon() throws IOException {
        flash.abandon();
    }

    /** Stops the copier, writes the last checkpoint, closes the journal and the store. */
    @Override
    public void close() throws IOException {
        try {
            flash.close();
        } finally {
            store.close();
        }
    }
}
