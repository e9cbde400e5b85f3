/**
 * The things the admin API manages, one class per resource: {@link
 * dev.flashcopy.tools.admin.resource.VolumesResource} ({@code /v1/volumes}), {@link
 * dev.flashcopy.tools.admin.resource.RelationshipsResource} ({@code /v1/relationships}), {@link
 * dev.flashcopy.tools.admin.resource.ServerResource} ({@code /v1/server}), {@link
 * dev.flashcopy.tools.admin.resource.MonitorResource} ({@code /metrics} and grain maps) and {@link
 * dev.flashcopy.tools.admin.resource.DashboardResource} (the web dashboard's static files, the only
 * routes open without the token). Each turns requests into engine calls and engine objects into
 * the JSON records next to it.
 */
package dev.flashcopy.tools.admin.resource;
