/**
 * How relationships end, durably: the failure log ({@code failed.json}, a target that failed stays failed across
 * restarts) and the ending log ({@code endings.json}, completed, withdrawn or failed, for {@code wait}).
 */
package dev.flashcopy.engine.ending;
