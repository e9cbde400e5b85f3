/**
 * The offline check of a data directory ({@code flashcopy fsck}): every metadata file's checksum and structure,
 * the journal's torn tail told from corruption, and each relationship's consistency with the volumes and bitmaps;
 * and the repair, which fails (never deletes) what the damage could hold and sets damaged files aside, so the
 * rest of the directory can be served again.
 */
package dev.flashcopy.engine.check;
