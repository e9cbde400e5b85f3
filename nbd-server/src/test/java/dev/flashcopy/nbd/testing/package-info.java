/**
 * Test fixtures: a device provider over given devices that counts open leases, and a raw NBD
 * client over a plain socket that speaks the wire format byte by byte, so tests see exactly what
 * the server sends.
 */
package dev.flashcopy.nbd.testing;
