package dev.flashcopy.engine.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.flashcopy.engine.journal.JournalFile;
import dev.flashcopy.engine.journal.JournalRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * A journal after a crash or a bad disk: a valid header, then records the fuzzer makes up, each with a correct
 * CRC or not (its choice), then maybe a torn tail. The scan must keep exactly the valid prefix, in sequence
 * order, and say why it stopped; opening must never fail with anything but an IOException.
 */
class JournalFuzzTest {
    private static final int HEADER = 16;
    private static final int BODY = 1 + 8 + 8 + 8 + 8;
    private static final int RECORD = 8 + BODY;

    @FuzzTest(maxDuration = "10s")
    void scanKeepsTheValidPrefixAndExplainsTheRest(FuzzedDataProvider in) throws IOException {
        ByteBuffer file = ByteBuffer.allocate(HEADER + 64 * RECORD + 64).order(ByteOrder.LITTLE_ENDIAN);
        boolean goodHeader = in.consumeProbabilityDouble() < 0.95;
        file.put(new byte[] {'F', 'C', 'J', 'O', 'U', 'R', 'N', 'L'})
                .putInt(goodHeader ? 1 : in.consumeInt())
                .putInt(0);
        int records = in.consumeInt(0, 64);
        for (int i = 0; i < records; i++) {
            ByteBuffer body = ByteBuffer.allocate(BODY).order(ByteOrder.LITTLE_ENDIAN);
            body.put(in.consumeByte((byte) 0, (byte) 6))
                    .putLong(in.consumeLong(0, 200))
                    .putLong(in.consumeLong())
                    .putLong(in.consumeLong())
                    .putLong(in.consumeLong());
            CRC32C crc = new CRC32C();
            crc.update(body.array());
            boolean lie = in.consumeProbabilityDouble() < 0.05;
            file.putInt(in.consumeProbabilityDouble() < 0.02 ? in.consumeInt() : BODY)
                    .putInt(lie ? in.consumeInt() : (int) crc.getValue())
                    .put(body.array());
        }
        byte[] tail = in.consumeBytes(63);
        file.put(tail);

        Path dir = Files.createTempDirectory("journal-fuzz");
        Path path = dir.resolve("journal");
        try {
            Files.write(path, Arrays.copyOf(file.array(), file.position()));
            JournalFile journal;
            try {
                journal = JournalFile.open(path);
            } catch (IOException badHeader) {
                assertTrue(!goodHeader, "a valid header was refused: " + badHeader);
                return;
            }
            try (journal) {
                JournalFile.Scan scan = journal.scan();
                assertEquals(HEADER + (long) scan.records().size() * RECORD, scan.validEnd());
                assertTrue(scan.validEnd() <= scan.fileSize());
                // Corruption (a version 2 file: never cut) is reported apart, even when nothing is left over (a file
                // that is not whole chunks); otherwise a torn tail is reported exactly when bytes are left over.
                if (!scan.corrupt()) {
                    assertEquals(
                            scan.validEnd() == scan.fileSize(),
                            scan.tailProblem() == null,
                            "a problem is reported exactly when bytes are left over: " + scan.tailProblem());
                }
                long last = 0;
                for (JournalRecord r : scan.records()) {
                    assertTrue(r.seq() > last, "sequence numbers only grow: " + scan.records());
                    last = r.seq();
                }
            }
        } finally {
            Files.deleteIfExists(path);
            Files.deleteIfExists(dir);
        }
    }
}
