/**
 * A data directory's metadata kept as objects of a RADOS pool instead of files: {@link
 * dev.flashcopy.engine.storage.rados.RadosDisk} is a {@link dev.flashcopy.engine.volume.Disk} whose files are
 * objects (one per path under a root, named after the relative path) and whose directories are objects holding
 * their entries as omap keys, so nothing ever lists the pool. The catalogs, journal, checkpoints and logs keep their
 * formats and their durability rule; only the store under them changes.
 */
package dev.flashcopy.engine.storage.rados;
