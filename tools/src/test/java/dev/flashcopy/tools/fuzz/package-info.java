/**
 * Fuzz tests (Jazzer) of the admin API's request bodies, over real HTTP against a real engine in a temporary data
 * directory: whatever JSON (or non-JSON) arrives, the answer is a 2xx or a 4xx with a JSON error, never a 500,
 * and the server keeps answering. {@code bin/fuzz} runs them for a bounded time.
 */
package dev.flashcopy.tools.fuzz;
