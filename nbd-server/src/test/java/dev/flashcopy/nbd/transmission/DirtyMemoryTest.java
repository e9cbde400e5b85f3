package dev.flashcopy.nbd.transmission;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The dirty-memory guard reads its three fields from /proc/vmstat text and refuses when one is missing. */
class DirtyMemoryTest {
    private static String vmstat(long dirty, long writeback, long background) {
        return "nr_free_pages 100\nnr_dirty " + dirty + "\nnr_writeback " + writeback + "\nnr_writeback_temp 0\n"
                + "nr_dirty_threshold 900000\nnr_dirty_background_threshold " + background + "\nnr_dirtied 5\n";
    }

    @Test
    void lowWhileDirtyAndWritebackStayBelowTheBackgroundThreshold() {
        assertTrue(DirtyMemory.lowIn(vmstat(1000, 0, 450000)));
        assertTrue(DirtyMemory.lowIn(vmstat(400000, 49999, 450000)));
        assertFalse(DirtyMemory.lowIn(vmstat(400000, 50000, 450000)));
        assertFalse(DirtyMemory.lowIn(vmstat(500000, 0, 450000)));
    }

    @Test
    void aMissingFieldIsNeverLow() {
        assertFalse(DirtyMemory.lowIn("nr_dirty 1\nnr_dirty_background_threshold 450000\n"), "no nr_writeback");
        assertFalse(DirtyMemory.lowIn(""));
        assertFalse(DirtyMemory.lowIn("nr_dirtied 1\nnr_writeback 0\nnr_dirty_background_threshold 9\n"));
    }
}
