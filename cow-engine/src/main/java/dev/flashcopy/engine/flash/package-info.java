/**
 * The FlashCopy engine's public face for the admin layer and the NBD server. {@link
 * dev.flashcopy.engine.flash.FlashEngine} opens (recovering) the relationships of a volume store and offers
 * establish, withdraw, list and roles; {@link dev.flashcopy.engine.flash.FlashDevices} replaces the plain
 * {@code VolumeDevices} so every export routes through the current relationships and offers their bitmaps
 * as named dirty maps ({@code DirtyMaps}); {@link dev.flashcopy.engine.flash.FlashMonitor} reads counters and
 * downsampled grain maps for monitoring. Argument problems are IllegalArgumentException (bad request),
 * IllegalStateException (conflicts with current state) or NoSuchElementException (unknown volume or pair), each
 * with a message for the user. The registry maps a volume to the family it is the source of, else to the one it
 * is a target in; a cascade's middle volume is thus found through its own family, whose upstream link leads to
 * its role above ({@link dev.flashcopy.engine.flash.CascadeRules} has the rules that keep cascades trees growing
 * downwards).
 */
package dev.flashcopy.engine.flash;
