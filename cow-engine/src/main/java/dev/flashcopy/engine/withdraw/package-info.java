/**
 * The rules of {@code rmflash}: which withdrawals need {@code --cp} or {@code --force}, and what each does.
 */
package dev.flashcopy.engine.withdraw;
