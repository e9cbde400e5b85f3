package dev.flashcopy.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OptionWordsTest {
    @Test
    void aRefusalNamingAnApiFieldNamesTheOptionInstead() {
        assertEquals(
                "--grain 4096 gives 4294967296 grains for 16 TiB (expected: at most 2147483647; use a larger --grain)",
                OptionWords.of("grainSize: 4096 gives 4294967296 grains for 16 TiB (expected: at most 2147483647;"
                        + " use a larger --grain)"));
        assertEquals(
                "cannot establish: --seqnum 1FFFFFFFF (expected: 0 to FFFFFFFF)",
                OptionWords.of("cannot establish: seqnum: 1FFFFFFFF (expected: 0 to FFFFFFFF)"));
        assertEquals(
                "--file does not apply here: this server keeps its volumes in RBD pool rbd; --image POOL/IMAGE"
                        + " registers an existing image",
                OptionWords.of("file: does not apply here: this server keeps its volumes in RBD pool rbd; image:"
                        + " POOL/IMAGE registers an existing image"));
    }

    @Test
    void wordsThatOnlyLookLikeFieldsStay() {
        assertEquals("volume 'grainSizes' not found", OptionWords.of("volume 'grainSizes' not found"));
        assertEquals("target size: 4096 bytes", OptionWords.of("target size: 4096 bytes"));
    }
}
