/**
 * FlashCopy relationships and the copy-on-write rules. A {@link dev.flashcopy.engine.relationship.Family}
 * is one source with its targets in a dependency chain (oldest first, newest last); a {@link
 * dev.flashcopy.engine.relationship.VolumeRoute} says what one volume is among them (decided once per change
 * of membership), and so which of the I/O classes serves it: {@link
 * dev.flashcopy.engine.relationship.HostIo} applies the grain rules to host writes, {@link
 * dev.flashcopy.engine.relationship.HostReads} to reads (in {@link dev.flashcopy.engine.relationship.GrainRuns},
 * runs of grains with one holder), {@link
 * dev.flashcopy.engine.relationship.ChainCopy} copies grains for the background copier and cleans a target
 * out of the chain before it is withdrawn. {@link dev.flashcopy.engine.relationship.GrainLocks} orders
 * everything that touches one grain; {@link dev.flashcopy.engine.relationship.RelationshipCatalog} is the
 * relationships' durable list.
 *
 * <p>Cascades (a target that is the source of further relationships) compose families as a tree: a family
 * whose source is a target one level up links to that family ({@link
 * dev.flashcopy.engine.relationship.FamilyLinks.Below}) and shares its chain lock, grain locks and host
 * load, so one cascade is one lock domain with one grain size. A target's view of a grain it has not
 * copied is the next newer sibling's, down to its source's view, which for a middle volume is again its
 * view as a target one level up ({@link dev.flashcopy.engine.relationship.Family#holderOf}). A volume's
 * view changes only when its own file changes, so the rule stays SVC's: before a file changes at grain g,
 * the newest target below and the next older sibling get their views of g, durably ({@link
 * dev.flashcopy.engine.relationship.CascadeIo}); the cost of a write does not grow with depth or fan-out.
 * Removing a link first cleans both neighbours: the older sibling (as in one chain) and the newest target
 * of the level below, for the grains the removed target still read from above.
 *
 * <p>Where the store keeps points in time itself (RBD snapshots), a relationship may read its T0 from a {@link
 * dev.flashcopy.engine.relationship.SourceView} of the source instead: such relationships are the oldest of their
 * family, owed no copies, and a family of only those copies nothing on source writes ({@link
 * dev.flashcopy.engine.relationship.Family#viewed}).
 *
 * <p>Extent relationships (dataset-level) never read through each other: every one of a source is in that
 * source's family, all such families share the locks of one {@link
 * dev.flashcopy.engine.relationship.ExtentGroup}, which indexes them by volume, and {@link
 * dev.flashcopy.engine.relationship.ExtentIo} routes each range of a host request to its one target
 * relationship or to all the relationships it is a source range of.
 */
package dev.flashcopy.engine.relationship;
