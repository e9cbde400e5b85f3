package dev.flashcopy.engine.device;

/** Receives a dirty map one extent at a time, in order, without the caller building a list. */
@FunctionalInterface
public interface DirtySink {
    /**
     * @param length bytes in this extent, at least 1
     * @param dirty true when the extent's grains are set in the map
     * @return false to stop the walk (the sink has enough)
     */
    boolean extent(long length, boolean dirty);
}
