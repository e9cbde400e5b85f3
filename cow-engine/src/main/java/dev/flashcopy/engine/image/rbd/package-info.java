/**
 * A {@link dev.flashcopy.engine.image.VolumeImage} over an RBD image of a Ceph cluster, through the {@code rbd}
 * module's FFM binding to librbd: positional reads and writes, {@code rbd_write_zeroes} for punches and zeroing,
 * {@code rbd_flush} as the durability barrier and {@code rbd_diff_iterate2} as the allocation map. It has none of
 * the optional capabilities (no page cache to answer from, no file to lend), so a server reads it the usual way.
 */
package dev.flashcopy.engine.image.rbd;
