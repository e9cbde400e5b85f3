package dev.flashcopy.engine.device;

/** What a client may learn about a device before opening it (NBD {@code LIST} and {@code INFO}). */
public record DeviceInfo(String name, long size, String description, boolean readOnly) {}
