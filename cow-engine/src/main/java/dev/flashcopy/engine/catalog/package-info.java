/**
 * The volumes a server owns and how they are named, sized and remembered: {@link
 * dev.flashcopy.engine.catalog.VolumeStore} keeps the open images and persists their list in
 * {@code catalog.json} (replaced atomically), so volumes survive restarts. Names and sizes are
 * checked here, once, with messages that say the rule.
 */
package dev.flashcopy.engine.catalog;
