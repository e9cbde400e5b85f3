/** Tests of the atomic replace and the checksum envelope of JSON metadata. */
package dev.flashcopy.engine.storage;
