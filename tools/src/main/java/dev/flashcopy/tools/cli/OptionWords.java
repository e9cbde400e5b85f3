package dev.flashcopy.tools.cli;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server names what it refuses by the admin API's field ({@code grainSize: 3072 (expected: ...)}, as the
 * engine's argument checks do); a person at the command line typed an option. This turns the field names of
 * a refusal into the options that set them before the CLI prints it: only where an argument check's message
 * starts (the message's start, or after {@code ": "} or {@code "; "}), so prose such as "target size: ..."
 * stays. Stateless.
 */
public final class OptionWords {
    private static final Map<String, String> OPTION_OF_FIELD = Map.of(
            "grainSize", "--grain",
            "rateMiBps", "--rate",
            "seqnum", "--seqnum",
            "size", "--size",
            "extents", "--extent",
            "freezeTimeout", "--freeze-timeout",
            "onFull", "--on-full",
            "file", "--file",
            "image", "--image");
    private static final Pattern FIELD =
            Pattern.compile("(?<=^|: |; )(" + String.join("|", OPTION_OF_FIELD.keySet()) + "): ");

    private OptionWords() {}

    /** {@code message} with each {@code field: } the CLI has an option for written as that option. */
    public static String of(String message) {
        Matcher m = FIELD.matcher(message);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(OPTION_OF_FIELD.get(m.group(1)) + " "));
        }
        return m.appendTail(out).toString();
    }
}
