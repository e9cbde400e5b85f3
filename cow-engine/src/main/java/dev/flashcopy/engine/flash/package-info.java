/**
 * The FlashCopy engine's facade for the admin layer and the NBD server. {@link
 * dev.flashcopy.engine.flash.FlashEngine} opens (recovering) the relationships of a volume store and offers
 * establish, withdraw, resync, reverse, freeze, revertible and list; it holds the one admin lock and hands each
 * idea to its package: {@code establish} (rules), {@code membership} (who is in which relationship), {@code
 * refresh} (resync, reverse), {@code freeze} (gates and freezes), {@code revertible}, {@code withdraw}, {@code
 * ending} (failure and ending logs), {@code monitor} (counters, grain maps, dirty maps) and {@code export} (the
 * devices served). None of them refers back to the facade. Argument problems are IllegalArgumentException (bad
 * request), IllegalStateException (conflicts with current state) or NoSuchElementException (unknown volume or
 * pair), each with a message for the user.
 */
package dev.flashcopy.engine.flash;
