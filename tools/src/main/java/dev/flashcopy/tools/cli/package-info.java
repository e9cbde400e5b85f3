/**
 * The subcommands of {@code flashcopy}, one class each, plus what they share: the {@code --data}
 * option, the exit-code table, output as an aligned table or JSON. Subcommands other than
 * {@code serve} are thin: check the arguments, make one admin API call, print the answer.
 */
package dev.flashcopy.tools.cli;
