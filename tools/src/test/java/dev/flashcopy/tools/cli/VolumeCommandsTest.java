package dev.flashcopy.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flashcopy.tools.admin.AdminFile;
import dev.flashcopy.tools.admin.AdminFixture;
import dev.flashcopy.tools.admin.ApiJson;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mkvol, lsvol and rmvol against a real admin API found through admin.json in the data directory. */
class VolumeCommandsTest {
    @TempDir
    Path dir;

    private AdminFixture api;
    private String data;

    @BeforeEach
    void start() throws Exception {
        api = new AdminFixture(dir.resolve("data"));
        data = api.dataDir.toString();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void mkvolCreatesASparseVolumeThatLsvolListsAsJson() throws Exception {
        CliRun made = CliRun.of("mkvol", "db", "--size", "10G", "--data", data);
        assertEquals(0, made.exit(), made.err());
        assertTrue(made.out().startsWith("created volume db: 10 GiB sparse image "), made.out());

        CliRun listed = CliRun.of("lsvol", "--json", "--data", data);
        assertEquals(0, listed.exit(), listed.err());
        JsonNode volumes = ApiJson.MAPPER.readTree(listed.out());
        assertTrue(volumes.isArray());
        JsonNode v = volumes.get(0);
        assertEquals("db", v.path("name").asText());
        assertEquals(10L << 30, v.path("size").asLong());
        assertTrue(v.path("allocated").isNumber());
        assertEquals(
                api.dataDir.resolve("volumes/db.img").toString(), v.path("path").asText());
        assertTrue(v.path("owned").asBoolean());
    }

    @Test
    void lsvolPrintsAnAlignedTable() {
        assertEquals(0, CliRun.of("mkvol", "a", "--size", "1M", "--data", data).exit());
        assertEquals(
                0,
                CliRun.of("mkvol", "longer-name", "--size", "2G", "--data", data)
                        .exit());
        String[] lines = CliRun.of("lsvol", "--data", data).out().split("\n");
        assertEquals(3, lines.length);
        assertTrue(lines[0].matches("NAME +SIZE +ALLOCATED +ROLE +PATH"), lines[0]);
        int pathColumn = lines[0].indexOf("PATH");
        assertTrue(lines[1].startsWith("a ") && lines[1].substring(pathColumn).startsWith("/"), lines[1]);
        assertTrue(
                lines[2].startsWith("longer-name  ")
                        && lines[2].substring(pathColumn).startsWith("/"),
                lines[2]);
        assertTrue(lines[2].contains("2 GiB"), lines[2]);
    }

    @Test
    void mkvolOfAnExistingNameIsRefusedByTheServerWithExitOne() {
        assertEquals(0, CliRun.of("mkvol", "a", "--size", "1M", "--data", data).exit());
        CliRun again = CliRun.of("mkvol", "a", "--size", "1M", "--data", data);
        assertEquals(ExitCode.REFUSED.code(), again.exit());
        assertEquals("flashcopy: volume a already exists", again.singleErrorLine());
    }

    /** The CLI checks the server's own rule first: a usage error (exit 2, as for "-1"), and nothing is created. */
    @Test
    void mkvolSizeNoBlockDeviceHasIsAUsageErrorAndCreatesNothing() {
        CliRun r = CliRun.of("mkvol", "odd", "--size", "1000", "--data", data);
        assertEquals(ExitCode.USAGE.code(), r.exit());
        assertTrue(r.singleErrorLine().contains("multiple of 512"), r.err());
        CliRun list = CliRun.of("lsvol", "--json", "--data", data);
        assertEquals(0, list.exit(), list.err());
        assertFalse(list.out().contains("\"odd\""), list.out());
    }

    @Test
    void mkvolResolvesARelativeFileAgainstTheCommandsWorkingDirectory() {
        CliRun r = CliRun.of("mkvol", "r", "--file", "no-such-dir/disk.img", "--data", data);
        assertEquals(ExitCode.REFUSED.code(), r.exit());
        Path expected = Path.of("no-such-dir/disk.img").toAbsolutePath().normalize();
        assertTrue(r.singleErrorLine().contains("file " + expected + " does not exist"), r.err());
    }

    /** The server's refusal names its admin API's fields; the user typed options, so the line names those. */
    @Test
    void mkvolImageOnAFileStoreNamesTheOptionsToUse() {
        CliRun r = CliRun.of("mkvol", "i1", "--image", "rbd/vm1", "--data", data);
        assertEquals(ExitCode.REFUSED.code(), r.exit());
        String line = r.singleErrorLine();
        assertTrue(
                line.startsWith("flashcopy: --image does not apply here: this server keeps its volumes in files"),
                line);
        assertTrue(line.endsWith("; --file PATH registers an existing image"), line);
        assertFalse(line.contains("'image'") || line.contains("'file'"), line);
    }

    @Test
    void mkvolFileRegistersInPlaceAndRmvolKeepsTheFile() throws Exception {
        Path img = Files.createDirectories(api.dataDir.resolve("volumes")).resolve("disk.img");
        try (var ch = FileChannel.open(img, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.truncate(0);
            ch.write(ByteBuffer.allocate(1), (4 << 20) - 1);
        }
        CliRun made = CliRun.of("mkvol", "reg", "--file", img.toString(), "--json", "--data", data);
        assertEquals(0, made.exit(), made.err());
        assertFalse(ApiJson.MAPPER.readTree(made.out()).path("owned").asBoolean());
        CliRun removed = CliRun.of("rmvol", "reg", "--data", data);
        assertEquals(0, removed.exit(), removed.err());
        assertEquals("removed volume reg; kept its image " + img, removed.out().strip());
        assertTrue(Files.exists(img));
    }

    /** qq.img is where mkvol qq --size would put qq's image; registered as "other", it is in the catalog. */
    @Test
    void mkvolSizeWhereAnotherVolumesImageLiesNamesThatVolume() throws Exception {
        Path img = Files.createDirectories(api.dataDir.resolve("volumes")).resolve("qq.img");
        try (var ch = FileChannel.open(img, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(1), (2 << 20) - 1);
        }
        CliRun registered = CliRun.of("mkvol", "other", "--file", img.toString(), "--data", data);
        assertEquals(0, registered.exit(), registered.err());
        CliRun r = CliRun.of("mkvol", "qq", "--size", "2M", "--data", data);
        assertEquals(ExitCode.REFUSED.code(), r.exit());
        String line = r.singleErrorLine();
        assertTrue(
                line.contains("image " + img + " is already volume other, so volume qq needs an image of its own"),
                line);
        assertTrue(
                line.endsWith("pick another name, or register another image as qq with 'mkvol qq --file PATH'"), line);
        assertFalse(line.contains("not in the catalog"), line);
    }

    @Test
    void rmvolDeletesAnOwnedVolumeAndItsImage() {
        assertEquals(
                0, CliRun.of("mkvol", "gone", "--size", "1M", "--data", data).exit());
        Path image = api.dataDir.resolve("volumes/gone.img");
        assertTrue(Files.exists(image));
        CliRun r = CliRun.of("rmvol", "gone", "--data", data);
        assertEquals(0, r.exit(), r.err());
        assertFalse(Files.exists(image));
        assertTrue(api.store.records().isEmpty());
    }

    @Test
    void rmvolOfAnUnknownVolumeExitsOneAndPointsToLsvol() {
        CliRun r = CliRun.of("rmvol", "ghost", "--data", data);
        assertEquals(ExitCode.REFUSED.code(), r.exit());
        assertEquals("flashcopy: no volume named 'ghost' (see 'flashcopy lsvol')", r.singleErrorLine());
    }

    @Test
    void wrongTokenInAdminFileIsRefusedWithExitOne() throws Exception {
        new AdminFile(api.url(), "not-the-token", ProcessHandle.current().pid(), "127.0.0.1:1").write(api.dataDir);
        CliRun r = CliRun.of("lsvol", "--data", data);
        assertEquals(ExitCode.REFUSED.code(), r.exit());
        assertTrue(r.singleErrorLine().startsWith("flashcopy: missing or wrong token"), r.err());
    }
}
