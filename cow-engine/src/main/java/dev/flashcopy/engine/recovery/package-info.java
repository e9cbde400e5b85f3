/**
 * Crash recovery of relationship metadata, in numbered passes that each report what they found: the
 * catalog says which relationships exist, the checkpoint gives their bitmaps as of a sequence number,
 * the journal scan cuts a torn tail, and replay applies the journal's later records. The engine then
 * attaches volumes and writes a fresh checkpoint, so every start begins with a short journal.
 */
package dev.flashcopy.engine.recovery;
