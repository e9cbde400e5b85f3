/**
 * JMH micro-benchmarks of the hot paths: grain bitmap lookups and updates on the copy-on-write
 * path, source writes that copy (in runs or grain by grain), positional image I/O through the FFM
 * bindings, and a request's round trip through each dispatcher (thread pool, Disruptor ring). They
 * run by hand ({@code bench/jmh.sh}), never in the test run, and report on the machine they ran on;
 * fio comparisons with nbdkit and qemu-nbd live beside them in {@code bench/fio-vs-peers.sh}, server
 * configurations in {@code bench/compare-configs.sh}, forwarding through a non-owner ({@link
 * dev.flashcopy.bench.ForwardingFront}) in {@code bench/forwarding-vs-direct.sh}.
 */
package dev.flashcopy.bench;
