/**
 * A small hand-written binding to Ceph's {@code librados} and {@code librbd} through Java's FFM API, loaded by
 * soname ({@code librados.so.2}, {@code librbd.so.1}: Debian's librados2 and librbd1). A {@link
 * dev.flashcopy.rbd.RadosCluster} is one connection to a cluster; a {@link dev.flashcopy.rbd.Pool} is an I/O
 * context on one pool and reads and writes whole RADOS objects (metadata), with object-version guards; an {@link
 * dev.flashcopy.rbd.RbdImage} is one open RBD image with positional synchronous and asynchronous I/O, discard,
 * write-zeroes, flush and the allocation map. Objects also carry advisory locks with an expiry ({@link
 * dev.flashcopy.rbd.ObjectLocks}), and a cluster connection can fence another client by its exact address
 * ({@link dev.flashcopy.rbd.RadosCluster#blocklist}): the ground the {@code lease} package builds ownership on. Every failure is a {@link dev.flashcopy.rbd.CephException} (an
 * {@code IOException}) naming the call, its subject and the errno. Depends on nothing else of flashcopy.
 */
package dev.flashcopy.rbd;
