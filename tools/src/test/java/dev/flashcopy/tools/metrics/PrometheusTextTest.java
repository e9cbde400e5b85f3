package dev.flashcopy.tools.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.flashcopy.tools.metrics.PrometheusText.Type;
import org.junit.jupiter.api.Test;

/** The exposition format, byte for byte: families, labels, escaping, values, and the rules it enforces. */
class PrometheusTextTest {
    @Test
    void familyWritesHelpTypeAndSamples() {
        String text = new PrometheusText()
                .family("x_requests_total", Type.COUNTER, "Requests.")
                .sample("x_requests_total", 3, "export", "a", "command", "read")
                .sample("x_requests_total", 0L)
                .toString();
        assertEquals("""
                # HELP x_requests_total Requests.
                # TYPE x_requests_total counter
                x_requests_total{export="a",command="read"} 3
                x_requests_total 0
                """, text);
    }

    @Test
    void labelValuesEscapeBackslashQuoteAndNewline() {
        String text = new PrometheusText()
                .family("g", Type.GAUGE, "h")
                .sample("g", 1, "v", "a\\b\"c\nd")
                .toString();
        assertEquals(
                "g{v=\"a\\\\b\\\"c\\nd\"} 1\n", text.lines().skip(2).findFirst().orElseThrow() + "\n");
    }

    @Test
    void helpEscapesBackslashAndNewlineButNotQuotes() {
        String text =
                new PrometheusText().family("g", Type.GAUGE, "a \"b\"\\\nc").toString();
        assertEquals("# HELP g a \"b\"\\\\\\nc", text.lines().findFirst().orElseThrow());
    }

    @Test
    void histogramTakesBucketSumAndCountOnly() {
        PrometheusText t = new PrometheusText().family("lat_seconds", Type.HISTOGRAM, "Latency.");
        t.sample("lat_seconds_bucket", 1, "le", "0.001")
                .sample("lat_seconds_sum", 0.0005)
                .sample("lat_seconds_count", 1);
        assertThrows(IllegalArgumentException.class, () -> t.sample("lat_seconds", 1));
        assertThrows(IllegalArgumentException.class, () -> t.sample("other_bucket", 1));
        assertEquals("""
                # HELP lat_seconds Latency.
                # TYPE lat_seconds histogram
                lat_seconds_bucket{le="0.001"} 1
                lat_seconds_sum 0.0005
                lat_seconds_count 1
                """, t.toString());
    }

    @Test
    void valuesPrintPlainAndSpecialValuesAsPrometheusSpellsThem() {
        assertEquals("0.000025", PrometheusText.format(25e-6));
        assertEquals("2.5", PrometheusText.format(2.5));
        assertEquals("10", PrometheusText.format(10.0));
        assertEquals("+Inf", PrometheusText.format(Double.POSITIVE_INFINITY));
        assertEquals("-Inf", PrometheusText.format(Double.NEGATIVE_INFINITY));
        assertEquals("NaN", PrometheusText.format(Double.NaN));
    }

    @Test
    void aFamilyIsWrittenOnceAndSamplesNeedOne() {
        PrometheusText t = new PrometheusText();
        assertThrows(IllegalStateException.class, () -> t.sample("a", 1));
        t.family("a", Type.GAUGE, "h");
        assertThrows(IllegalStateException.class, () -> t.family("a", Type.GAUGE, "h"));
        assertThrows(IllegalArgumentException.class, () -> t.sample("b", 1));
    }

    @Test
    void badNamesAndOddLabelListsAreRefused() {
        PrometheusText t = new PrometheusText();
        assertThrows(IllegalArgumentException.class, () -> t.family("1abc", Type.GAUGE, "h"));
        assertThrows(IllegalArgumentException.class, () -> t.family("a-b", Type.GAUGE, "h"));
        t.family("ok", Type.GAUGE, "h");
        assertThrows(IllegalArgumentException.class, () -> t.sample("ok", 1, "only-name"));
        assertThrows(IllegalArgumentException.class, () -> t.sample("ok", 1, "bad-label", "v"));
        assertThrows(IllegalArgumentException.class, () -> t.sample("ok", 1, "__x", "v", "odd"));
    }
}
