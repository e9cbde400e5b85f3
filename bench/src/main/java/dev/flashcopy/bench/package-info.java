/**
 * JMH micro-benchmarks of the hot paths: grain bitmap lookups and updates on the copy-on-write
 * path, and positional image I/O through the FFM bindings. They run by hand ({@code bench/jmh.sh}),
 * never in the test run, and report on the machine they ran on; fio comparisons with nbdkit and
 * qemu-nbd live beside them in {@code bench/fio-vs-peers.sh}.
 */
package dev.flashcopy.bench;
