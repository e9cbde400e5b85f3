/**
 * The things the admin API manages, one class per resource: {@link
 * dev.flashcopy.tools.admin.resource.VolumesResource} ({@code /v1/volumes}), {@link
 * dev.flashcopy.tools.admin.resource.RelationshipsResource} ({@code /v1/relationships}: establish, list,
 * withdraw, resync, reverse, rate) and {@link dev.flashcopy.tools.admin.resource.ServerResource}
 * ({@code /v1/server}). Each turns requests into engine calls and engine objects into the JSON records next
 * to it.
 */
package dev.flashcopy.tools.admin.resource;
