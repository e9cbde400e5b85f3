package dev.flashcopy.engine.device;

/**
 * Receives an allocation map one extent at a time, in order, without the caller building a list.
 */
@FunctionalInterface
public interface ExtentSink {
    /**
     * @param length bytes in this extent, at least 1
     * @param hole true when the extent is unallocated and reads as zeroes
     * @return false to stop the walk (the sink has enough)
     */
    boolean extent(long length, boolean hole);
}
