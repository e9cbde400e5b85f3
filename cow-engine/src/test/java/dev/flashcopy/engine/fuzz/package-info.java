/**
 * Fuzz tests (Jazzer, JUnit-integrated) of everything the engine reads back from disk: grain bitmaps, checkpoints
 * and the journal. The property is always the same: corrupt bytes end in an {@link java.io.IOException} that
 * names the problem, or in a value that is valid; never another exception, never a wrong bitmap. Where a CRC
 * guards a format, the harness recomputes it so that the fuzzer reaches the parser behind it. Without
 * {@code JAZZER_FUZZ} they replay their seeds and the inputs under {@code src/test/resources} (regression);
 * {@code bin/fuzz} runs each one for a bounded time.
 */
package dev.flashcopy.engine.fuzz;
