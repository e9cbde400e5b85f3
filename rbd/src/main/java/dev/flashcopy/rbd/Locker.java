package dev.flashcopy.rbd;

/**
 * One holder of an object lock, as {@link ObjectLocks#lockers} reports it: the client's entity name ({@code client.4235},
 * unique per cluster connection), the cookie it locked with, and its address ({@code 127.0.0.1:0/3056151276}), the
 * exact address {@link RadosCluster#blocklist} fences.
 */
public record Locker(String client, String cookie, String address) {}
