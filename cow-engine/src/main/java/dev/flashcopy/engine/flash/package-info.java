/**
 * The FlashCopy engine's public face for the admin layer and the NBD server. {@link
 * dev.flashcopy.engine.flash.FlashEngine} opens (recovering) the relationships of a volume store and offers
 * establish, withdraw, list and roles; {@link dev.flashcopy.engine.flash.FlashDevices} replaces the plain
 * {@code VolumeDevices} so every export routes through the current relationships and offers their bitmaps
 * as named dirty maps ({@code DirtyMaps}). Argument problems are
 * IllegalArgumentException (bad request), IllegalStateException (conflicts with current state) or
 * NoSuchElementException (unknown volume or pair), each with a message for the user.
 */
package dev.flashcopy.engine.flash;
