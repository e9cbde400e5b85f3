/**
 * What the integration tests stand on: the real {@code bin/flashcopy serve} process ({@link
 * dev.flashcopy.it.support.ServerProcess}), the real clients run as processes ({@link
 * dev.flashcopy.it.support.Command}), FUSE and loop mounts, and a tiny raw-socket NBD client used
 * only to send what well-behaved clients never send; {@link dev.flashcopy.it.support.AdminHttp} and
 * {@link dev.flashcopy.it.support.Metrics} scrape the admin API as Prometheus would. Nothing here
 * imitates the server.
 */
package dev.flashcopy.it.support;
