/**
 * The NBD wire vocabulary and nothing else: magic numbers, sizes and limits in {@link
 * dev.flashcopy.nbd.protocol.NbdWire}, and one enum per numbered value space (options, option
 * replies, info types, commands, command and transmission flags, errors, structured reply types).
 * Every enum carries its wire number and resolves numbers with {@code of(int)}, which rejects codes
 * the spec does not define. Values follow {@code doc/proto.md} of NetworkBlockDevice/nbd.
 */
package dev.flashcopy.nbd.protocol;
