/**
 * Who may open which export, and how: {@link dev.flashcopy.nbd.access.ExportAccess} holds the
 * server's rules (client address ranges per export, read-only exports) and decides an {@link
 * dev.flashcopy.nbd.access.Access} for one export and one client address. The handshake phase asks it
 * before listing, describing or opening an export: a denied client gets {@code NBD_REP_ERR_POLICY},
 * a read-only grant advertises {@code NBD_FLAG_READ_ONLY} and writes get {@code EPERM}.
 */
package dev.flashcopy.nbd.access;
