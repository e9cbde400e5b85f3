/**
 * Benchmarks that need the transmission package's package-private codec ({@code Replies}); they sit
 * in the same package name as the server's classes and run only from the benchmarks jar.
 */
package dev.flashcopy.nbd.transmission;
