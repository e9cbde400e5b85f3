/**
 * Ownership between servers that share one Ceph cluster: a {@link dev.flashcopy.rbd.lease.Lease} is an expiring
 * exclusive lock on a named RADOS object ({@code cls_lock}, so the OSD's clock, not ours, decides when it ran out)
 * plus a small record in the object naming the holder's server and client address. The holder renews it in the
 * background and is told through a {@link dev.flashcopy.rbd.lease.LeaseListener} the moment it can no longer be sure
 * it holds it. A survivor {@linkplain dev.flashcopy.rbd.lease.Lease#takeOver() takes over} an expired lease only
 * after blocklisting the old holder's exact client address, so an old holder that wakes up from a pause cannot write
 * one more byte: the OSDs refuse its operations. {@link dev.flashcopy.rbd.lease.ServerNames} uses the same lease to
 * keep two live servers from running under one name. Depends only on the rbd binding.
 */
package dev.flashcopy.rbd.lease;
