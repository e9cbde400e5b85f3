/**
 * Test fixtures: a device provider over given devices that counts open leases, and a raw NBD
 * client over a plain socket that speaks the wire format byte by byte, so tests see exactly what
 * the server sends, and a throwaway PKI. The integration tests (module it) use the client and the PKI too,
 * through this module's test-jar.
 */
package dev.flashcopy.nbd.testing;
