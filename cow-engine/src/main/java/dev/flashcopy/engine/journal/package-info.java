/**
 * Durable relationship metadata besides the catalog: the append-only journal of grains that became
 * "copied" and the checkpoint that keeps it short. {@link dev.flashcopy.engine.journal.JournalFile} is
 * the one record format (length, CRC32C, sequence number and append per record) and its scan, which tells a
 * torn tail (cut) from corruption (reported, never cut); {@link
 * dev.flashcopy.engine.journal.Journal} clears bitmap bits and queues their records in one step and
 * group-commits them (dependent image fdatasync, append, journal fsync); {@link
 * dev.flashcopy.engine.journal.CheckpointFile} holds serialized bitmaps, replaced atomically.
 */
package dev.flashcopy.engine.journal;
