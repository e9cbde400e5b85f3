/**
 * Who is in which relationship: the registry of relationships and families in service, the durable changes that put
 * relationships into service and take them out (catalog replace, write gates closed), each relationship's
 * background-copy job, and the views {@code lsflash} and {@code lsvol} show.
 */
package dev.flashcopy.engine.membership;
