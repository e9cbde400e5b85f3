/**
 * What monitoring may read without changing anything: per-relationship counters, grain maps for pictures, and the
 * named dirty maps a volume offers over NBD block status.
 */
package dev.flashcopy.engine.monitor;
