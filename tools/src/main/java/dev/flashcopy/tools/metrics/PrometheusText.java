package dev.flashcopy.tools.metrics;

import java.math.BigDecimal;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Writes Prometheus' text exposition format, version 0.0.4: per family one {@code # HELP} and one
 * {@code # TYPE} line, then its samples, each family written in one piece (the format forbids
 * splitting one). Names and label names are checked, label values and help text escaped. Not
 * thread-safe: one instance per scrape.
 */
public final class PrometheusText {
    /** What {@code /metrics} answers with; Prometheus picks the parser from it. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** Kinds of family this writer emits. */
    public enum Type {
        COUNTER,
        GAUGE,
        HISTOGRAM
    }

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private final StringBuilder out = new StringBuilder(4096);
    private final Set<String> declared = new HashSet<>();
    private String family;
    private Type type;

    /** Starts family {@code name}; every sample until the next call belongs to it. */
    public PrometheusText family(String name, Type type, String help) {
        checkName(name, METRIC_NAME, "metric name");
        if (!declared.add(name)) {
            throw new IllegalStateException("family " + name + " was already written (expected: each family once)");
        }
        this.family = name;
        this.type = type;
        out.append("# HELP ").append(name).append(' ').append(escapeHelp(help)).append('\n');
        out.append("# TYPE ")
                .append(name)
                .append(' ')
                .append(type.name().toLowerCase(Locale.ROOT))
                .append('\n');
        return this;
    }

    /** A sample of the current family; {@code labels} alternate name and value. */
    public PrometheusText sample(String name, long value, String... labels) {
        return line(name, Long.toString(value), labels);
    }

    public PrometheusText sample(String name, double value, String... labels) {
        return line(name, format(value), labels);
    }

    private PrometheusText line(String name, String value, String[] labels) {
        if (family == null) {
            throw new IllegalStateException("sample " + name + " before any family (expected: family() first)");
        }
        if (!belongs(name)) {
            throw new IllegalArgumentException("sample " + name + " does not belong to " + type + " family " + family);
        }
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException("labels: " + labels.length + " strings (expected: name, value pairs)");
        }
        out.append(name);
        if (labels.length > 0) {
            out.append('{');
            for (int i = 0; i < labels.length; i += 2) {
                checkName(labels[i], LABEL_NAME, "label name");
                out.append(i == 0 ? "" : ",")
                        .append(labels[i])
                        .append("=\"")
                        .append(escapeLabel(labels[i + 1]))
                        .append('"');
            }
            out.append('}');
        }
        out.append(' ').append(value).append('\n');
        return this;
    }

    private boolean belongs(String name) {
        if (name.equals(family)) {
            return type != Type.HISTOGRAM;
        }
        return type == Type.HISTOGRAM
                && (name.equals(family + "_bucket") || name.equals(family + "_sum") || name.equals(family + "_count"));
    }

    @Override
    public String toString() {
        return out.toString();
    }

    /** Label values escape backslash, double quote and line feed. */
    static String escapeLabel(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** Help text escapes backslash and line feed (quotes stay). */
    static String escapeHelp(String help) {
        return help.replace("\\", "\\\\").replace("\n", "\\n");
    }

    /** Go's ParseFloat reads all of these; {@code +Inf} also serves as the last {@code le} bound. */
    static String format(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    private static void checkName(String name, Pattern pattern, String what) {
        if (name == null || !pattern.matcher(name).matches()) {
            throw new IllegalArgumentException(what + ": '" + name + "' (expected: " + pattern.pattern() + ")");
        }
    }
}
