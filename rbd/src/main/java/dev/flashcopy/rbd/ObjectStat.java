package dev.flashcopy.rbd;

import java.time.Instant;

/**
 * What {@link Pool#stat} tells about a RADOS object: its size in bytes, when it was last modified (second
 * resolution) and its version, which {@link Pool#writeFullIfVersion} guards on.
 */
public record ObjectStat(long size, Instant modified, long version) {}
