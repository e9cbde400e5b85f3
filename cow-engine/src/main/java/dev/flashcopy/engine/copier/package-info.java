/**
 * The background copier: one daemon thread that walks every COPY-mode relationship's bitmap in large
 * steps, round robin, at each relationship's rate limit ({@link dev.flashcopy.engine.copier.RateLimiter}),
 * pausing while host writes are in flight on the family, and reporting the rate it measures. The same
 * thread runs the engine's periodic maintenance (journal checkpoints). What a step copies is decided
 * elsewhere (relationship package); this room only schedules.
 */
package dev.flashcopy.engine.copier;
