/**
 * What holds host writes: the write gates an establish closes while a family changes, and the consistency-group
 * freeze of {@code mkflash --freeze} that holds a source's writes until {@code unfreezeflash} or a deadline.
 */
package dev.flashcopy.engine.freeze;
