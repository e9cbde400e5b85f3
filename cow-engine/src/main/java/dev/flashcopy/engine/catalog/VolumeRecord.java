package dev.flashcopy.engine.catalog;

/**
 * One volume as the catalog remembers it. {@code owned} volumes were created by {@code mkvol --size}
 * inside the data directory and are deleted with {@code rmvol}; registered ones ({@code --file})
 * belong to the user and are only forgotten.
 */
public record VolumeRecord(String name, String path, long size, boolean owned) {}
