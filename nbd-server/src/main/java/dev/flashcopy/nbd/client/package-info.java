/**
 * An NBD client, so this server can use another NBD server's export as a device: to forward a connection to the
 * server that owns a volume, and later for remote copy services. {@link dev.flashcopy.nbd.client.NbdClient} dials
 * an {@link dev.flashcopy.nbd.client.RemoteExport} and runs the fixed-newstyle handshake
 * ({@link dev.flashcopy.nbd.client.ClientHandshake}: STARTTLS when asked, structured replies, {@code base:allocation},
 * GO); the open {@link dev.flashcopy.nbd.client.NbdConnection} pipelines requests under cookies and completes a
 * future per request ({@link dev.flashcopy.nbd.client.RequestWriter} out, {@link dev.flashcopy.nbd.client.ReplyDecoder}
 * in, both sharing the connection's {@link dev.flashcopy.nbd.client.InFlight} table on its event loop; a
 * {@link dev.flashcopy.nbd.client.ReplyWatchdog} closes a connection whose server stays silent past the export's
 * reply timeout, and TCP connections keep alive with {@link dev.flashcopy.nbd.client.KeepAlive}'s probes).
 * {@link dev.flashcopy.nbd.client.RemoteDevice} is a {@code BlockDevice} over connections (it splits requests to the
 * server's limits, emulates what the server does not offer, maps error replies back to {@code BlockError}s and
 * re-opens a lost connection, or sends the requests it lost again on a new one ({@link dev.flashcopy.nbd.client.Resends}),
 * as its {@link dev.flashcopy.nbd.client.Reconnect} policy says), and {@link dev.flashcopy.nbd.client.RemoteDevices} offers
 * such devices to an {@code NbdServer} as exports, each host connection through a
 * {@link dev.flashcopy.nbd.client.TrackedRemoteDevice} that answers its FLUSH truthfully after a lost connection (from
 * each connection's {@link dev.flashcopy.nbd.client.Ledger} of answered and flushed writes).
 *
 * <p><b>ByteBuf ownership.</b> A WRITE payload handed to {@link dev.flashcopy.nbd.client.NbdConnection#write} is owned
 * by the connection from that call on: the transport releases it once written, or when the write fails. A READ's data
 * goes straight from the receive buffers into the caller's {@code ByteBuffer}; the decoder keeps no reply bytes past
 * the chunk it decodes.
 */
package dev.flashcopy.nbd.client;
