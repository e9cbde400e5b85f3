/**
 * Raw image files and the kernel calls that make them fast: positional I/O, {@code fdatasync},
 * {@code fallocate} (punch hole, zero range) and {@code lseek(SEEK_DATA/SEEK_HOLE)}, bound through
 * Java's FFM API. An {@link dev.flashcopy.engine.volume.ImageFile} is one open image (the file store's
 * {@link dev.flashcopy.engine.image.VolumeImage}); a {@link dev.flashcopy.engine.volume.Volume} is a named image of
 * any store exposed as a block device. All file I/O of
 * the engine goes through {@link dev.flashcopy.engine.volume.Disk} (real: {@code PosixDisk}; tests put a
 * simulated disk there for power-loss and fault tests). Every class here is thread-safe: all file access is
 * positional, so many threads share one descriptor.
 */
package dev.flashcopy.engine.volume;
