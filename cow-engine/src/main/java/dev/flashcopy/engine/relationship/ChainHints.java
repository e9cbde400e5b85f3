package dev.flashcopy.engine.relationship;

import java.util.List;

/**
 * What a {@link Family}'s chain looked like at its last change, published as one value under the chain's
 * write lock, for looks taken without the lock ({@link SourceWriteHint}, the {@link VolumeRoute} of its
 * source): any of it may change the moment after, so anything that acts on it enters the family first.
 *
 * @param newest the newest relationship, or null when the chain is empty
 * @param recording whether a relationship of the chain records changes
 * @param chained whether the chain has older targets than the newest (the newest then marks source writes,
 *     see {@link HostIo#markNewest})
 * @param lender the relationship whose target's file held grains of the source (after a fast reverse
 *     restore), or null. Only a family of one relationship borrows: establishing another target is refused
 *     meanwhile, so it is the one relationship of the chain with grains borrowed
 */
record ChainHints(Relationship newest, boolean recording, boolean chained, Relationship lender) {
    static final ChainHints EMPTY = new ChainHints(null, false, false, null);

    /** The hints of {@code chain}, oldest first (write lock held). */
    static ChainHints of(List<Relationship> chain) {
        if (chain.isEmpty()) {
            return EMPTY;
        }
        return new ChainHints(
                chain.getLast(),
                chain.stream().anyMatch(Relationship::recording),
                chain.size() > 1,
                chain.stream()
                        .filter(r -> !r.borrowed().isEmpty())
                        .reduce((older, newer) -> newer)
                        .orElse(null));
    }
}
