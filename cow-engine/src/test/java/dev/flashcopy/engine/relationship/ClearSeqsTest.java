package dev.flashcopy.engine.relationship;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The per-grain table of journal sequence numbers never answers below the true highest number noted for the
 * grains asked about (that would let a writer skip a commit it needs), and answers exactly for grains that share
 * no slot with others.
 */
class ClearSeqsTest {
    @Test
    void neverAnswersBelowTheTruthUnderRandomNotes() {
        Random random = new Random(42);
        long grains = 10_000; // several grains to a slot
        long[] truth = new long[(int) grains];
        ClearSeqs seqs = new ClearSeqs();
        for (long seq = 1; seq <= 20_000; seq++) {
            int kind = random.nextInt(100);
            if (kind < 90) {
                long g0 = random.nextLong(grains);
                long g1 = Math.min(grains, g0 + 1 + random.nextInt(kind < 85 ? 4 : 3000));
                seqs.note(seq, g0, g1);
                Arrays.fill(truth, (int) g0, (int) g1, seq);
            } else if (kind < 92) {
                seqs.note(seq);
                Arrays.fill(truth, seq);
            }
            long q0 = random.nextLong(grains);
            long q1 = Math.min(grains - 1, q0 + random.nextInt(kind < 95 ? 8 : 2000));
            long want = 0;
            for (long g = q0; g <= q1; g++) {
                want = Math.max(want, truth[(int) g]);
            }
            long got = seqs.of(q0, q1);
            assertTrue(got >= want, "grains " + q0 + ".." + q1 + ": answered " + got + ", noted " + want);
            assertTrue(got <= seqs.highest());
        }
    }

    @Test
    void aGrainCopiedEarlierKeepsItsOwnNumberWhileOthersMoveOn() {
        ClearSeqs seqs = new ClearSeqs();
        seqs.note(5, 7, 8);
        seqs.note(9, 100, 140);
        assertEquals(5, seqs.of(7, 7), "grain 7 relies on record 5 only");
        assertEquals(0, seqs.of(8, 20), "no record changed these");
        assertEquals(9, seqs.of(0, 200));
        assertEquals(9, seqs.highest());
    }

    @Test
    void aChangeWithoutGrainsOrOverManyCountsForEveryGrain() {
        ClearSeqs seqs = new ClearSeqs();
        seqs.note(3);
        assertEquals(3, seqs.of(50, 50));
        seqs.note(8, 0, 1_000_000);
        assertEquals(8, seqs.of(12_345, 12_345));
    }
}
