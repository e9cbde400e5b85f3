/**
 * The block-device API the NBD server calls: {@link dev.flashcopy.engine.device.BlockDevice} with
 * read, write, trim, zero, flush, cache and an allocation map, and the failures a request can end
 * in ({@link dev.flashcopy.engine.device.BlockError}). A plain volume implements it directly; a
 * FlashCopy target implements it by reading through to its source for grains not yet copied. A device
 * may also keep named dirty maps ({@link dev.flashcopy.engine.device.DirtyMapDevice}), which the server
 * offers as {@code qemu:dirty-bitmap:*} contexts for backups that read only what changed, and may lend the
 * file a range lives in ({@link dev.flashcopy.engine.device.FileRangeDevice}) so reads go out by {@code sendfile}.
 * Nothing here knows about Netty or the wire.
 */
package dev.flashcopy.engine.device;
