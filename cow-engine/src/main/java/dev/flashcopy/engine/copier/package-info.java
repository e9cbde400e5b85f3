/**
 * The background copier: one daemon thread that walks every COPY-mode relationship's bitmap in large
 * steps, round robin, at each relationship's rate limit ({@link dev.flashcopy.engine.copier.RateLimiter}),
 * backing off smoothly as the host write load on the family grows ({@link
 * dev.flashcopy.engine.copier.HostLoadBackoff}), and reporting the rate it measures. The same thread runs
 * the engine's periodic maintenance (journal checkpoints). What a step copies is decided elsewhere
 * (relationship package); this room only schedules.
 */
package dev.flashcopy.engine.copier;
