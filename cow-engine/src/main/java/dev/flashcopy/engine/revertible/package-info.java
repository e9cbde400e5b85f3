/**
 * Revertible relationships: {@code setflashrevertible}, {@code commitflash} and {@code revertflash}, over the revert
 * areas of {@code engine.revert}.
 */
package dev.flashcopy.engine.revertible;
