/**
 * The things the admin API manages, one class per resource: {@link
 * dev.flashcopy.tools.admin.resource.VolumesResource} ({@code /v1/volumes}) and {@link
 * dev.flashcopy.tools.admin.resource.ServerResource} ({@code /v1/server}). Each turns requests
 * into engine calls and engine objects into the JSON records next to it. Relationships
 * ({@code mkflash}, {@code lsflash}, ...) will be one more class here.
 */
package dev.flashcopy.tools.admin.resource;
