/**
 * The handshake (option haggling) phase: fixed newstyle only. {@link
 * dev.flashcopy.nbd.handshake.HandshakeHandler} frames client flags and options on the event loop
 * and hands each option to an I/O thread, where {@link dev.flashcopy.nbd.handshake.OptionNegotiator}
 * answers it (export look-ups may block). When {@code NBD_OPT_GO} or {@code NBD_OPT_EXPORT_NAME}
 * succeeds the handler installs the transmission phase in its place. STARTTLS is refused today; a
 * TLS phase would slot in as one more outcome that puts an {@code SslHandler} in front and resets
 * the negotiator, as the spec requires.
 */
package dev.flashcopy.nbd.handshake;
