package dev.flashcopy.engine.image;

import dev.flashcopy.engine.device.BlockIoException;
import java.util.List;

/**
 * An optional capability of a {@link VolumeImage}: its store keeps a point in time of it by its own means (an RBD
 * snapshot), which later writes to the image do not change. A relationship whose source has it reads T0 from the
 * view instead of copying each grain out of the source before the source's first write there (DESIGN.md,
 * "Copy-on-write on Ceph"). A file has no such capability (ext4 has no snapshots).
 *
 * <p>Views are named by the engine ({@code flashcopy.*}); {@link #views()} lists only those, so a user's own
 * snapshots of the image are never touched. Implementations are thread-safe.
 */
public interface PointInTimeViews {
    /** The prefix of every view's name: nothing else on the image is the engine's. */
    String PREFIX = "flashcopy.";

    /**
     * Takes view {@code name} (starting with {@link #PREFIX}) of the image as it is now, and opens it: durable in
     * the store when this returns. Writes completed before the call are in it; the caller drains those in flight
     * first. A leftover view of that name (a crash before the engine recorded it) is replaced.
     */
    VolumeImage take(String name) throws BlockIoException;

    /** Opens view {@code name} read-only; NOT_FOUND-like failures are I/O errors naming the view. */
    VolumeImage open(String name) throws BlockIoException;

    /** Removes view {@code name}, if it exists; a handle open at it is closed by the caller first. */
    void remove(String name) throws BlockIoException;

    /** The engine's views of this image ({@link #PREFIX} names), in no order. */
    List<String> views() throws BlockIoException;

    /**
     * The ranges of {@code [offset, offset + length)} where the image changed since view {@code name} (written,
     * trimmed or zeroed), in order, as {@code {offset, length}} pairs: exact, so reading them from the view gives
     * everything the image no longer holds of that point in time.
     */
    List<long[]> changedSince(String name, long offset, long length) throws BlockIoException;
}
