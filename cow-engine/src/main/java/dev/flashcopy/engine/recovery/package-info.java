/**
 * Crash recovery, read as one numbered list in {@link dev.flashcopy.engine.recovery.Recovery}: catalog,
 * checkpoint, journal scan (a torn tail cut, corruption refused), replay, then the passes the engine hands in
 * because they need its live objects (attach, revert, fresh checkpoint). Each pass says what it trusts and
 * what it repairs, and reports what it did, so every start begins with a short journal and a printed account.
 */
package dev.flashcopy.engine.recovery;
