/**
 * The handshake (option haggling) phase: fixed newstyle only. {@link
 * dev.flashcopy.nbd.handshake.HandshakeHandler} frames client flags and options on the event loop
 * and hands each option to an I/O thread, where {@link dev.flashcopy.nbd.handshake.OptionNegotiator}
 * answers it (export look-ups may block). When {@code NBD_OPT_GO} or {@code NBD_OPT_EXPORT_NAME}
 * succeeds the handler installs the transmission phase in its place. An acknowledged STARTTLS
 * puts an {@code SslHandler} in front of the handler, and the negotiator forgets what was agreed in
 * clear text, as the spec requires. The negotiator also applies the TLS mode (FORCEDTLS refuses
 * everything else with {@code NBD_REP_ERR_TLS_REQD}) and the export rules of {@code nbd.access}.
 */
package dev.flashcopy.nbd.handshake;
