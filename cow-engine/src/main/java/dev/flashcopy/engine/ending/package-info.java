/**
 * How relationships end, durably: the failure log ({@code failed.json}, a target that failed stays failed across
 * restarts) and the ending log ({@code endings.json}, completed, withdrawn, failed or reversed, for {@code wait}),
 * which the changes that end relationships write through an {@link dev.flashcopy.engine.ending.EndingRecorder}.
 */
package dev.flashcopy.engine.ending;
