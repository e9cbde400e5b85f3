/**
 * The establish rules of {@code mkflash}: what a new relationship must satisfy before anything changes (volumes,
 * sizes, grain sizes, target counts, cascades that grow downwards only, extent ranges), each refusal naming its
 * rule; and the options an establish takes. Reads families, changes nothing.
 */
package dev.flashcopy.engine.establish;
