package dev.flashcopy.engine.membership;

import dev.flashcopy.engine.ending.FailureLog;
import dev.flashcopy.engine.freeze.WriteGates;

/**
 * What putting relationships into service and refreshing them share with the engine: the grain lock stripes
 * each new family gets, the failure log its targets' failures go to, and the write gates closed while a family
 * changes. Immutable (the log and the gates are themselves thread-safe).
 */
public record FamilyParts(int lockStripes, FailureLog failures, WriteGates gates) {}
