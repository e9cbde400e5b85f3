/**
 * The NBD server: {@link dev.flashcopy.nbd.NbdServer} binds a port, serves the devices of a
 * {@link dev.flashcopy.engine.device.DeviceProvider} to any number of clients, and shuts down
 * cleanly. Each connection starts in the handshake phase ({@code handshake}) and moves to the
 * transmission phase ({@code transmission}); device I/O runs on the threads of {@code dispatch},
 * never on the Netty event loop, which runs on the native transport {@code Transport} picks.
 */
package dev.flashcopy.nbd;
