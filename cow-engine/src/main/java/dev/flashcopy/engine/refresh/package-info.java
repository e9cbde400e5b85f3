/**
 * Incremental FlashCopy on recording relationships: {@code resyncflash} (a new T0 recopying only the grains changed
 * on either side) and {@code reverseflash} (a target's point in time restored onto its source), with their options.
 */
package dev.flashcopy.engine.refresh;
