package dev.flashcopy.rbd;

/** A byte range of an image that holds data (allocated in RADOS), as {@link RbdImage#allocatedExtents} reports. */
public record Extent(long offset, long length) {
    public long end() {
        return offset + length;
    }
}
