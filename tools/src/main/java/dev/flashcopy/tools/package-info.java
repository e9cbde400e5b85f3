/**
 * The {@code flashcopy} command. {@link dev.flashcopy.tools.Flashcopy} is the entry point and the
 * one place that builds the picocli command tree; {@code cli} holds one class per subcommand,
 * {@code serve} wires the engine, the NBD server and the admin API into a running server,
 * {@code admin} is that HTTP API, and {@code client} is how the other subcommands reach it.
 */
package dev.flashcopy.tools;
