/**
 * Who is in which relationship: the registry of relationships and families in service, the durable changes that put
 * relationships into service and take them out (catalog replace, write gates closed; {@link
 * dev.flashcopy.engine.membership.Withdrawal} cleans first), each relationship's
 * background-copy job, the views {@code lsflash} and {@code lsvol} show, and the life of the RBD snapshots that keep
 * relationships' T0 where the store takes them ({@link dev.flashcopy.engine.membership.SourceViews}, with its worker
 * thread).
 */
package dev.flashcopy.engine.membership;
