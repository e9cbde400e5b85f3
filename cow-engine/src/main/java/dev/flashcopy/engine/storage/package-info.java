/**
 * How flashcopy keeps metadata safe on disk: the one implementation of atomic file replacement
 * (write {@code .tmp}, force, atomic rename, fsync the directory) and the data directory's
 * exclusive lock, which keeps a second server off the same volumes; the checksum envelope of JSON metadata
 * and {@link dev.flashcopy.engine.storage.DamagedMetadataException}, the one way damage is reported.
 */
package dev.flashcopy.engine.storage;
