package dev.flashcopy.it.support;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the checkout is, so tests run the same {@code bin/flashcopy} a user runs. */
public final class Repo {
    private Repo() {}

    public static Path root() {
        String home = System.getProperty("flashcopy.home");
        Path p = home != null ? Path.of(home) : Path.of("").toAbsolutePath();
        while (p != null && !Files.isExecutable(p.resolve("bin/flashcopy"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("cannot find bin/flashcopy above " + home);
        }
        return p;
    }

    public static Path launcher() {
        return root().resolve("bin/flashcopy");
    }
}
