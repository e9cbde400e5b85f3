package dev.flashcopy.tools;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The build's version, filtered into {@code version.properties} by Maven so the jar needs no
 * manifest reading. Thread-safe: the value is computed once at class initialisation.
 */
public final class Version {
    private static final String VERSION = load();

    private Version() {}

    /** The project version, e.g. {@code 0.1.0-SNAPSHOT}, or {@code unknown} when run from unfiltered sources. */
    public static String get() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            // An IDE that copies resources without Maven filtering leaves the placeholder in place.
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
