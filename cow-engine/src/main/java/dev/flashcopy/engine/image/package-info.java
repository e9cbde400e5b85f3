/**
 * The seam between the engine and the store holding a volume's bytes: a {@link
 * dev.flashcopy.engine.image.VolumeImage} is what the FlashCopy code reads, writes, zeroes, maps and syncs,
 * whatever holds it (a sparse raw file, {@code engine.volume.ImageFile}; an RBD image, {@code
 * engine.image.rbd.RbdVolumeImage}). What only some stores can do is a separate capability a caller asks for by
 * type ({@link dev.flashcopy.engine.image.ReadsFromCache}, {@link dev.flashcopy.engine.image.PointInTimeViews}), never
 * a method that pretends.
 */
package dev.flashcopy.engine.image;
