package dev.flashcopy.engine.tuning;

import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * One {@code -Dflashcopy.NAME=VALUE} system property: its full name, the default as it would be written, the
 * unit or the values it takes ({@code "a | b"} for a choice), and what it changes. The value is read from the
 * system properties each time one of the accessors is called; callers that read it once keep it in a
 * constant. A value that does not parse is an {@link IllegalArgumentException} naming the property and what
 * it expects. Immutable.
 */
public record Tunable(String name, String defaultValue, String unit, String meaning) {
    public static final String PREFIX = "flashcopy.";
    private static final String BOOLEAN = "true | false";

    public Tunable {
        if (!name.startsWith(PREFIX)) {
            throw new IllegalArgumentException("name: '" + name + "' (expected: starting with " + PREFIX + ")");
        }
    }

    /** The value set, or the default; trimmed, lower case. */
    public String value() {
        return value(System.getProperties());
    }

    /** {@code true} or {@code false}. */
    public boolean booleanValue() {
        return parseBoolean(value());
    }

    /** One of the values the unit lists. */
    public String choice() {
        return parseChoice(value());
    }

    /** A whole number of at least {@code min}. */
    public int intValue(int min) {
        return parseInt(value(), min);
    }

    /** Parses the value {@code properties} hold as the unit says, throwing what a reader would. */
    void check(Properties properties) {
        String v = value(properties);
        if (unit.equals(BOOLEAN)) {
            parseBoolean(v);
        } else if (unit.contains(" | ")) {
            parseChoice(v);
        } else {
            parseInt(v, 0);
        }
    }

    private String value(Properties properties) {
        return properties.getProperty(name, defaultValue).trim().toLowerCase(Locale.ROOT);
    }

    private boolean parseBoolean(String v) {
        return switch (v) {
            case "true" -> true;
            case "false" -> false;
            default ->
                throw new IllegalArgumentException(
                        "-D" + name + "=" + v + " (expected: true or false; default " + defaultValue + ")");
        };
    }

    private String parseChoice(String v) {
        if (!List.of(unit.split(" \\| ")).contains(v)) {
            throw new IllegalArgumentException("-D" + name + "=" + v + " (expected: " + unit + ")");
        }
        return v;
    }

    private int parseInt(String v, int min) {
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            n = Integer.MIN_VALUE;
        }
        if (n < min) {
            throw new IllegalArgumentException(
                    "-D" + name + "=" + v + " (expected: a whole number >= " + min + ", " + unit + ")");
        }
        return n;
    }
}
