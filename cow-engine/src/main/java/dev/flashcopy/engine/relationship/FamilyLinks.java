package dev.flashcopy.engine.relationship;

/**
 * How a {@link Family} hangs together with others, which decides whose locks it shares: alone at the top
 * (locks of its own), below another in a cascade (its source is a target there; the cascade's locks), or one
 * of an {@link ExtentGroup}'s families (the group's locks). Only a family below changes, to the top, when the
 * relationship above its source goes; a family never gains an upstream later.
 *
 * <p>Immutable and thread-safe.
 */
public sealed interface FamilyLinks {
    /** Whole-volume relationships whose source is no target: a family alone, or the top of a cascade. */
    FamilyLinks TOP = new Top();

    /** Whole-volume relationships whose source is a target of no one. */
    record Top() implements FamilyLinks {}

    /** Whole-volume relationships whose source is a target in {@code upstream}, a cascade level up. */
    record Below(Family upstream) implements FamilyLinks {}

    /** Extent relationships of one source, in {@code group}. */
    record Extents(ExtentGroup group) implements FamilyLinks {}
}
