/**
 * What the integration tests stand on: the real {@code bin/flashcopy serve} process ({@link
 * dev.flashcopy.it.support.ServerProcess}), the real clients run as processes ({@link
 * dev.flashcopy.it.support.Command}), and FUSE and loop mounts; {@link dev.flashcopy.it.support.AdminHttp} and
 * {@link dev.flashcopy.it.support.Metrics} scrape the admin API as Prometheus would. Nothing here
 * imitates the server. The raw-socket NBD client (for what well-behaved clients never send) and the test
 * PKI come from nbd-server's test-jar, {@code dev.flashcopy.nbd.testing}.
 */
package dev.flashcopy.it.support;
