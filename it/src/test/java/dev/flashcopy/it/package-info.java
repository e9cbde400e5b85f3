/**
 * Integration tests ({@code *IT}, run by failsafe after the jars are built): each starts the real
 * {@code bin/flashcopy serve} process and drives it with the clients users have ({@code nbdinfo},
 * {@code nbdcopy}, {@code qemu-io}, {@code nbdfuse} + a loop mount, {@code fio}) or with raw bytes
 * for what no client sends; {@code DirtyMapIT} runs docs/HOSTS.md's incremental backup walk-through as
 * written. The kernel's own NBD client runs in a qemu (TCG) guest booted from Debian's cloud kernel
 * ({@code KernelNbdClientIT}; the guest is built and cached by {@code bin/build-nbd-guest} from
 * {@code it/src/test/guest/}). The oracle is always the bytes: sha256 of the export or of a file.
 */
package dev.flashcopy.it;
