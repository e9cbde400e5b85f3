/**
 * Fuzz tests (Jazzer) of the NBD wire: arbitrary client bytes, in arbitrary fragments, through the real handshake
 * and transmission handlers on an {@code EmbeddedChannel} over an in-memory device. A hostile client may only ever
 * get replies or a closed connection: no handler may reach {@code exceptionCaught} (that is a bug, since protocol
 * violations close the connection on purpose), every inbound buffer is released, and every export lease is
 * returned when the connection ends ({@code HostileConversation}). One test per server setting: open, export
 * rules (a hidden and a read-only export), dirty maps as meta contexts, and TLS required. {@code bin/fuzz} runs
 * them for a bounded time.
 */
package dev.flashcopy.nbd.fuzz;
