/**
 * Grain bitmaps: which grains of a FlashCopy relationship are still to copy. {@link
 * dev.flashcopy.engine.bitmap.GrainBitmap} wraps a RoaringBitmap so an all-set bitmap over a huge
 * sparse volume is a handful of run containers, and {@link dev.flashcopy.engine.bitmap.GrainGeometry}
 * turns byte ranges into grain ranges (with a partial last grain). The serialized form is RoaringBitmap's
 * portable format; bytes from disk are validated before use and corruption surfaces as an IOException.
 */
package dev.flashcopy.engine.bitmap;
