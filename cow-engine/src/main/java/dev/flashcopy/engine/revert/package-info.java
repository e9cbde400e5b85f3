/**
 * What a revertible relationship ({@code setflashrevertible}) keeps to undo target writes: per relationship a
 * sparse preserve image and a log of preserved grains under {@code DATA/flash/}. Before the first write to a
 * target grain after the last commit, the target's view of that grain is copied aside, durably, and only
 * then overwritten; {@code revertflash} copies the preserved grains back, {@code commitflash} drops them.
 */
package dev.flashcopy.engine.revert;
