package dev.flashcopy.it.support;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of Prometheus text, parsed strictly: every line must be a {@code # HELP}, a {@code # TYPE}
 * or a well-formed sample, else parsing fails naming the line. Immutable.
 */
public final class Metrics {
    /** A sample: its name, its labels in order, its value. */
    public record Sample(String name, Map<String, String> labels, double value) {}

    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\.)*\",?)*)\\})? (\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\.)*)\"");
    private static final Pattern COMMENT = Pattern.compile("# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*");

    private final List<Sample> samples;
    private final String text;

    private Metrics(List<Sample> samples, String text) {
        this.samples = List.copyOf(samples);
        this.text = text;
    }

    public static Metrics parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("#")) {
                if (!COMMENT.matcher(line).matches()) {
                    throw new AssertionError("malformed comment line: " + line);
                }
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                throw new AssertionError("malformed sample line: " + line);
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            String v = m.group(3);
            double value = v.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(v);
            out.add(new Sample(m.group(1), labels, value));
        }
        return new Metrics(out, text);
    }

    /** The value of the one sample named {@code name} carrying all of {@code labels} (name, value pairs). */
    public double value(String name, String... labels) {
        List<Sample> found = select(name, labels);
        if (found.size() != 1) {
            throw new AssertionError(
                    found.size() + " samples " + name + " " + List.of(labels) + " (expected: one) in\n" + text);
        }
        return found.getFirst().value();
    }

    /** Every sample named {@code name} carrying all of {@code labels}. */
    public List<Sample> select(String name, String... labels) {
        List<Sample> found = new ArrayList<>();
        for (Sample s : samples) {
            boolean match = s.name().equals(name);
            for (int i = 0; match && i < labels.length; i += 2) {
                match = labels[i + 1].equals(s.labels().get(labels[i]));
            }
            if (match) {
                found.add(s);
            }
        }
        return found;
    }

    public String text() {
        return text;
    }
}
