/**
 * How the {@code flashcopy} subcommands reach a running server: read {@code DATA/admin.json},
 * send one HTTP request with the bearer token, turn the answer into JSON or an {@link
 * dev.flashcopy.tools.client.AdminCallException} that says whose fault it was. Plain
 * {@code HttpURLConnection}, no Netty: a CLI call should start in a blink.
 */
package dev.flashcopy.tools.client;
