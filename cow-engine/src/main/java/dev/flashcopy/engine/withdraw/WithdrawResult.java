package dev.flashcopy.engine.withdraw;

import dev.flashcopy.engine.membership.RelationshipView;

/**
 * What {@code rmflash} did: {@code withdrawn} is false when it asked for the copy to finish first
 * ({@code -cp}); the relationship then ends by itself at 100 %. Immutable.
 */
public record WithdrawResult(RelationshipView relationship, boolean withdrawn) {}
