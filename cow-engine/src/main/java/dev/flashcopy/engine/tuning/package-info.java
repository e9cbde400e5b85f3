/**
 * Every {@code -Dflashcopy.*} system property, the engine's and the NBD server's, in one list: name, default,
 * unit and why one would set it ({@link dev.flashcopy.engine.tuning.Tunables}). Code reads a tunable only
 * through its constant here, so the list, the docs table (docs/ARCHITECTURE.md, "Tunables") and the start-up
 * check that refuses an unknown {@code flashcopy.*} property cannot drift apart. These are for A/B
 * measurements and unusual machines; everything a user sets routinely is a command-line option. {@link
 * dev.flashcopy.engine.tuning.FlashSettings} holds the engine's settings fixed at open (from options and tests).
 */
package dev.flashcopy.engine.tuning;
