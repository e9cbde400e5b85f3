/**
 * {@code flashcopy serve} as a running object: {@link dev.flashcopy.tools.serve.FlashcopyServer}
 * takes the data directory's lock, opens the volume store, starts the NBD server and the admin
 * API, and publishes {@code admin.json}; closing it undoes each step in reverse. {@link
 * dev.flashcopy.tools.serve.NbdExport} is the only class that knows the NBD server's API.
 */
package dev.flashcopy.tools.serve;
