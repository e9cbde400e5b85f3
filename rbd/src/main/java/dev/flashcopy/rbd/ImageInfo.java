package dev.flashcopy.rbd;

/**
 * What {@link RbdImage#stat} tells about an image: its size, the size of the RADOS objects that back it
 * ({@code 1 << order}) and how many objects that size spans (allocated or not).
 */
public record ImageInfo(long size, long objectSize, long objectCount, int order) {}
