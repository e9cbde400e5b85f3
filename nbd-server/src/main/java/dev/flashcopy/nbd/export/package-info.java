/**
 * What an export looks like to a client: the transmission flags a device earns ({@link
 * dev.flashcopy.nbd.export.ExportFlags}) and the metadata contexts it offers for block status
 * ({@link dev.flashcopy.nbd.export.MetaContexts}). Names map to devices through the engine's
 * {@link dev.flashcopy.engine.device.DeviceProvider}; nothing here does I/O.
 */
package dev.flashcopy.nbd.export;
