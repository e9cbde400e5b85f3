package dev.flashcopy.engine.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.flashcopy.engine.bitmap.BitmapSet;
import dev.flashcopy.engine.journal.CheckpointFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * A checkpoint file with made-up content behind a correct header and CRC (the harness computes the CRC so the
 * fuzzer reaches the parser behind it; sometimes it does not, to check that too). Reading it gives an
 * IOException or a content that writes back and reads again to the same bitmaps.
 */
class CheckpointFuzzTest {
    private static final byte[] MAGIC = {'F', 'C', 'C', 'H', 'K', 'P', 'T', '1'};

    @FuzzTest(maxDuration = "10s")
    void corruptCheckpointIsRefusedOrReadsBackTheSame(FuzzedDataProvider in) throws IOException {
        boolean fixCrc = in.consumeProbabilityDouble() < 0.95;
        byte[] body = in.consumeRemainingAsBytes();
        ByteBuffer file = ByteBuffer.allocate(MAGIC.length + body.length + 4);
        file.put(MAGIC).put(body);
        CRC32C crc = new CRC32C();
        crc.update(file.array(), 0, file.position());
        file.putInt(fixCrc ? (int) crc.getValue() : (int) crc.getValue() ^ 1);

        Path dir = Files.createTempDirectory("checkpoint-fuzz");
        Path path = dir.resolve("checkpoint");
        Path again = dir.resolve("again");
        try {
            Files.write(path, file.array());
            CheckpointFile.Content content;
            try {
                content = CheckpointFile.read(path);
            } catch (IOException refused) {
                assertTrue(refused.getMessage().contains("is damaged"), refused.getMessage());
                return;
            }
            assertTrue(fixCrc, "a checkpoint with a wrong CRC was accepted");
            for (BitmapSet set : content.bitmaps().values()) {
                assertTrue(
                        set.toCopy().count() <= set.toCopy().grains(),
                        set.toCopy().toString());
            }
            CheckpointFile.write(again, content.lastSeq(), content.bitmaps());
            CheckpointFile.Content reread = CheckpointFile.read(again);
            assertEquals(content.lastSeq(), reread.lastSeq());
            assertEquals(content.bitmaps().keySet(), reread.bitmaps().keySet());
            for (Long id : content.bitmaps().keySet()) {
                assertTrue(
                        same(content.bitmaps().get(id), reread.bitmaps().get(id)),
                        "bitmaps of " + id + " changed on the way back");
            }
        } finally {
            Files.deleteIfExists(path);
            Files.deleteIfExists(again);
            Files.deleteIfExists(dir);
        }
    }

    private static boolean same(BitmapSet a, BitmapSet b) {
        return a.generation() == b.generation()
                && Arrays.equals(a.toCopy().serialize(), b.toCopy().serialize())
                && Arrays.equals(
                        a.sourceChanged().serialize(), b.sourceChanged().serialize())
                && Arrays.equals(
                        a.targetChanged().serialize(), b.targetChanged().serialize())
                && Arrays.equals(a.borrowed().serialize(), b.borrowed().serialize());
    }
}
