/**
 * FlashCopy relationships and the copy-on-write rules. A {@link dev.flashcopy.engine.relationship.Family}
 * is one source with its targets in a dependency chain (oldest first, newest last); {@link
 * dev.flashcopy.engine.relationship.HostIo} applies the grain rules to host reads and writes, {@link
 * dev.flashcopy.engine.relationship.ChainCopy} copies grains for the background copier and cleans a target
 * out of the chain before it is withdrawn. {@link dev.flashcopy.engine.relationship.GrainLocks} orders
 * everything that touches one grain; {@link dev.flashcopy.engine.relationship.RelationshipCatalog} is the
 * relationships' durable list.
 */
package dev.flashcopy.engine.relationship;
