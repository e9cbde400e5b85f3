/**
 * The admin API: HTTP/1.1 and JSON on Netty, for the {@code flashcopy} verbs. {@link
 * dev.flashcopy.tools.admin.AdminServer} binds it, {@link dev.flashcopy.tools.admin.AdminHandler}
 * checks the bearer token, routes the request and runs the operation on a separate executor,
 * because the event loop never touches the disk. {@link dev.flashcopy.tools.admin.AdminFile} is
 * how clients find the server and its token. The resources themselves live in {@code resource}.
 */
package dev.flashcopy.tools.admin;
