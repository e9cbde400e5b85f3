package dev.flashcopy.engine.flash;

/** One {@code source:target} pair named in an establish. Immutable. */
public record PairSpec(String source, String target) {
    public PairSpec {
        if (source == null || target == null) {
            throw new IllegalArgumentException("pair: source and target are both required (expected: SOURCE:TARGET)");
        }
    }

    /** Parses the DS CLI spelling {@code SOURCE:TARGET}. */
    public static PairSpec parse(String text) {
        int colon = text == null ? -1 : text.indexOf(':');
        if (colon <= 0 || colon == text.length() - 1 || text.indexOf(':', colon + 1) >= 0) {
            throw new IllegalArgumentException("pair '" + text + "' is not valid (expected: SOURCE:TARGET)");
        }
        return new PairSpec(text.substring(0, colon), text.substring(colon + 1));
    }

    @Override
    public String toString() {
        return source + ":" + target;
    }
}
