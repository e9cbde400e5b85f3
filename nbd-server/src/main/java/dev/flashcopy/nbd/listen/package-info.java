/**
 * Where the server accepts connections: an {@link dev.flashcopy.nbd.listen.Endpoint} is a TCP address, a unix
 * socket file, or a listening socket inherited from systemd ({@link dev.flashcopy.nbd.listen.ActivatedSockets}).
 * {@link dev.flashcopy.nbd.listen.UnixSocketFile} owns a socket file's life: a stale one left by a dead server is
 * replaced, a live one refused, its mode and owner set after the bind, and the file removed on close. {@link
 * dev.flashcopy.nbd.listen.SocketDescriptors} asks the kernel what an inherited descriptor is. {@link
 * dev.flashcopy.nbd.listen.PeerName} names an accepted client in the log, a unix one by socket and process.
 */
package dev.flashcopy.nbd.listen;
