/**
 * TLS for NBD ({@code NBD_OPT_STARTTLS}, X.509): {@link dev.flashcopy.nbd.tls.TlsMode} says whether a
 * server offers or requires it, {@link dev.flashcopy.nbd.tls.TlsCredentials} loads the PEM certificate,
 * key and optional client CA, checks they belong together, and builds the one {@code SslContext} (TLS 1.2
 * and 1.3) that the handshake phase puts in front of itself after acknowledging STARTTLS, with the engine
 * {@link dev.flashcopy.nbd.tls.TlsProvider} chooses (BoringSSL when it loads, else the JDK's); {@link dev.flashcopy.nbd.tls.PeerTlsFailure} tells a client's failed TLS from a server fault for the
 * handlers' logs. Nothing here touches a connection; the admin API reuses the same credentials for HTTPS.
 */
package dev.flashcopy.nbd.tls;
