/**
 * The devices the NBD server exports: every volume routed through the relationships it is in at each request, or
 * straight to its image when in none. Holds the engine only through {@link
 * dev.flashcopy.engine.export.ExportedEngine}.
 */
package dev.flashcopy.engine.export;
