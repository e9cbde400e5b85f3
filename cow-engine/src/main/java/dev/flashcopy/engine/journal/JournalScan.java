package dev.flashcopy.engine.journal;

import static dev.flashcopy.engine.journal.JournalFile.BODY_BYTES;
import static dev.flashcopy.engine.journal.JournalFile.HEADER_BYTES;
import static dev.flashcopy.engine.journal.JournalFile.RECORD_BYTES;
import static dev.flashcopy.engine.journal.JournalFile.RECORD_BYTES_V1;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Reads a journal file's records from its bytes (everything after the header) and judges what is wrong with the
 * rest: a torn tail that a power loss left, to be cut, or corruption, to be reported and never cut ({@link
 * JournalFile}'s class comment has the rules). Pure: no I/O, so every verdict is testable on bytes alone.
 * Stateless.
 */
final class JournalScan {
    /** A device writes whole sectors or none at a power loss: the granularity of a torn write. */
    private static final int SECTOR = 512;

    private JournalScan() {}

    /** A version 2 file of {@code fileSize} bytes (whole chunks), whose bytes after the header are {@code all}. */
    static JournalFile.Scan version2(byte[] all, long fileSize, Path path) {
        // Bytes after the last whole record slot of the file never hold a record (growth covers a whole append).
        long totalSlots = Math.max(0, (fileSize - HEADER_BYTES) / RECORD_BYTES);
        JournalRecord[] valid = new JournalRecord[(int) totalSlots];
        long[] batchFirst = new long[(int) totalSlots];
        String[] why = new String[(int) totalSlots];
        ByteBuffer buf = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        CRC32C check = new CRC32C();
        int firstBad = -1;
        int lastValid = -1;
        for (int k = 0; k < totalSlots; k++) {
            int at = k * RECORD_BYTES;
            int length = buf.getInt(at);
            int crc = buf.getInt(at + 4);
            check.reset();
            check.update(all, at + 8, BODY_BYTES);
            byte type = buf.get(at + 8);
            long seq = buf.getLong(at + 9);
            long first = buf.getLong(at + 41);
            if (length != BODY_BYTES) {
                why[k] = "record length " + length + " at offset " + (HEADER_BYTES + at) + " (expected: " + BODY_BYTES
                        + ")";
            } else if ((int) check.getValue() != crc) {
                why[k] = "CRC mismatch at offset " + (HEADER_BYTES + at);
            } else if (!RecordType.known(type) || seq < 1 || first < 1 || first > seq) {
                why[k] = "record type " + type + " seq " + seq + " batch " + first + " at offset " + (HEADER_BYTES + at)
                        + " (expected: type 1 to 4, 0 < batch <= seq)";
            } else {
                valid[k] = new JournalRecord(
                        seq, RecordType.of(type), buf.getLong(at + 17), buf.getLong(at + 25), buf.getLong(at + 33));
                batchFirst[k] = first;
                lastValid = k;
            }
            if (valid[k] == null && firstBad < 0) {
                firstBad = k;
            }
        }
        // Slots that read all zeroes after the last written one are the preallocated free space.
        int used = (int) totalSlots;
        while (used > 0 && valid[used - 1] == null && allZero(all, used - 1)) {
            used--;
        }
        totalSlots = used;
        if (firstBad >= used) {
            firstBad = -1;
        }
        String corruption = null;
        long corruptOffset = -1;
        // Sequence numbers are consecutive and every append starts inside the file: anything else is a lost,
        // repeated or misplaced write.
        long s0 = -1;
        for (int k = 0; k < totalSlots && corruption == null; k++) {
            if (valid[k] == null) {
                continue;
            }
            long seq = valid[k].seq();
            if (s0 < 0) {
                s0 = seq - k;
            }
            if (seq != s0 + k || batchFirst[k] < s0) {
                corruption = "record at offset " + offset(k) + " has seq " + seq + " of an append from seq "
                        + batchFirst[k] + " (expected: seq " + (s0 + k) + " of an append from " + s0
                        + " on): a lost, repeated or misplaced write";
                corruptOffset = offset(k);
            }
        }
        if (corruption == null && firstBad >= 0) {
            // The last append, as the last valid record tells; without a valid record after the first bad one
            // everything from there on may be the last append.
            long lastAppend =
                    lastValid > firstBad ? lastValid - (valid[lastValid].seq() - batchFirst[lastValid]) : firstBad;
            for (int k = firstBad; k < totalSlots; k++) {
                if (valid[k] != null) {
                    continue;
                }
                if (k < lastAppend) {
                    corruption = why[k] + ", followed by valid records of a later append";
                } else if (!tornPlausible(all, k, fileSize)) {
                    corruption = why[k] + " in a record whose sectors were all written (not a write cut short)";
                }
                if (corruption != null) {
                    corruptOffset = offset(k);
                    break;
                }
            }
        }
        int keep = firstBad < 0 ? (int) totalSlots : firstBad;
        List<JournalRecord> records = new ArrayList<>(keep);
        for (int k = 0; k < keep; k++) {
            records.add(valid[k]);
        }
        long validEnd = offset(keep);
        return new JournalFile.Scan(
                List.copyOf(records),
                validEnd,
                offset(used),
                firstBad < 0 ? null : why[firstBad],
                corruption == null ? null : "journal " + path + ": " + corruption,
                corruptOffset);
    }

    private static boolean allZero(byte[] all, int slot) {
        for (int i = slot * RECORD_BYTES; i < (slot + 1) * RECORD_BYTES; i++) {
            if (all[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static long offset(long slot) {
        return HEADER_BYTES + slot * RECORD_BYTES;
    }

    /**
     * Whether bad record {@code k} can be a write cut short by a power loss: it reaches past the end of the file,
     * or for some 512-byte sector it overlaps, everything from the record's part in that sector to the sector's
     * end reads zero: the last append's piece of that sector never reached the disk. Written records are never zero that far: every record starts with its non-zero length.
     * (The one ambiguity left: a flipped bit in the last written record when only some of its last bytes,
     * zero anyway, lie in the next sector.)
     */
    private static boolean tornPlausible(byte[] all, int k, long fileSize) {
        long from = offset(k);
        long to = from + RECORD_BYTES;
        if (to > fileSize) {
            return true;
        }
        for (long sector = from / SECTOR * SECTOR; sector < to; sector += SECTOR) {
            long zeroFrom = Math.max(sector, from);
            long zeroTo = Math.min(sector + SECTOR, fileSize);
            boolean zero = true;
            for (long i = zeroFrom; i < zeroTo && zero; i++) {
                zero = all[(int) (i - HEADER_BYTES)] == 0;
            }
            if (zero) {
                return true;
            }
        }
        return false;
    }

    /** Version 1 files (read once, before the reset after recovery): the valid prefix, the rest is a tail. */
    static JournalFile.Scan version1(byte[] all) {
        List<JournalRecord> records = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        long fileSize = HEADER_BYTES + (long) all.length;
        int at = 0;
        long lastSeq = 0;
        String problem = null;
        while (at < all.length) {
            long pos = HEADER_BYTES + (long) at;
            if (all.length - at < RECORD_BYTES_V1) {
                problem = "short record (" + (all.length - at) + " bytes) at offset " + pos;
                break;
            }
            int length = buf.getInt(at);
            int crc = buf.getInt(at + 4);
            if (length != JournalRecord.BODY_BYTES) {
                problem = "record length " + length + " at offset " + pos + " (expected: " + JournalRecord.BODY_BYTES
                        + ")";
                break;
            }
            CRC32C check = new CRC32C();
            check.update(all, at + 8, length);
            if ((int) check.getValue() != crc) {
                problem = "CRC mismatch at offset " + pos;
                break;
            }
            byte type = buf.get(at + 8);
            long seq = buf.getLong(at + 9);
            if (!RecordType.known(type) || seq <= lastSeq) {
                problem = "record type " + type + " seq " + seq + " at offset " + pos + " (expected: type 1 to 4,"
                        + " seq above " + lastSeq + ")";
                break;
            }
            records.add(new JournalRecord(
                    seq, RecordType.of(type), buf.getLong(at + 17), buf.getLong(at + 25), buf.getLong(at + 33)));
            lastSeq = seq;
            at += RECORD_BYTES_V1;
        }
        return new JournalFile.Scan(List.copyOf(records), HEADER_BYTES + (long) at, fileSize, problem);
    }
}
