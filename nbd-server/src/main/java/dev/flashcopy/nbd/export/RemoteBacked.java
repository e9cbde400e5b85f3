package dev.flashcopy.nbd.export;

/**
 * A device whose data lives behind another server, so that every call is a network round trip. A server does not
 * ask such a device for its allocation map before a structured READ (the read would wait for two trips instead of
 * one); its reads go out as one data chunk, and clients that want the holes ask with block status, which the device
 * forwards.
 */
public interface RemoteBacked {}
