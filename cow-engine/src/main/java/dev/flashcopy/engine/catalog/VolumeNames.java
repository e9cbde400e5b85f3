package dev.flashcopy.engine.catalog;

import java.util.regex.Pattern;

/** The one rule for volume names, which are also NBD export names and file names. */
public final class VolumeNames {
    public static final String RULE = "1 to 64 characters from A-Z a-z 0-9 . _ -, not '.' or '..'";
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private VolumeNames() {}

    /** Returns {@code name} or throws with the rule in the message. */
    public static String check(String name) {
        if (name == null || !VALID.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException(
                    "volume name '" + (name == null ? "" : name) + "' is not valid (expected: " + RULE + ")");
        }
        return name;
    }
}
