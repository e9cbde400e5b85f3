package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flashcopy.it.support.AdminHttp;
import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Qemu;
import dev.flashcopy.it.support.Repo;
import dev.flashcopy.it.support.ServerProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web dashboard in Debian's headless chromium, driven by playwright-core from a node script
 * ({@code it/src/test/dashboard/dashboard-check.mjs}): the page loads with the token from the link
 * {@code flashcopy dashboard} prints (and asks for it when the link lacks it), a relationship made with
 * the CLI appears, its copy progress moves, and mkflash and rmflash (with its confirmation) work from
 * the page. Screenshots land in {@code it/target/dashboard-screenshots/}. Needs {@code bin/install-clients}
 * (chromium, npm packages).
 */
class DashboardIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SCRIPT_DIR = Repo.root().resolve("it/src/test/dashboard");
    private static final Path SHOTS = Repo.root().resolve("it/target/dashboard-screenshots");
    private static final long MIB = 1L << 20;

    @TempDir
    Path tmp;

    @Test
    void relationshipFromTheCliAppearsAndItsCopyProgressMovesInTheBrowser() throws Exception {
        requireBrowser();
        Files.createDirectories(SHOTS);
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.cli("mkvol", "src", "--size", "256M").ok();
            List<String> writes = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                writes.add("write -P " + (0x41 + i) + " " + (i * 16) + "M 4M"); // 64 MiB of data, spread out
            }
            Qemu.io(server.uri("src"), writes.toArray(String[]::new));
            String link = server.cli("dashboard").ok().out().strip();
            AdminHttp admin = AdminHttp.of(server.dataDir());
            assertEquals(admin.url() + "/#token=" + admin.token(), link);

            ProcessBuilder pb = new ProcessBuilder("node", "dashboard-check.mjs")
                    .directory(SCRIPT_DIR.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT);
            pb.environment().putAll(Command.ENV);
            pb.environment().put("DASHBOARD_URL", link);
            pb.environment().put("SHOTS_DIR", SHOTS.toString());
            Process node = pb.start();
            JsonNode result;
            try (BufferedReader out =
                            new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
                    Writer in = new OutputStreamWriter(node.getOutputStream(), StandardCharsets.UTF_8)) {
                expectLine(out, "READY");
                // 8 MiB/s over 64 MiB of data: the copy takes about 8 s, long enough to watch it move.
                server.cli("mkflash", "--record", "--rate", "8", "src:tgt").ok();
                in.write("GO\n");
                in.flush();
                // Host writes while the page watches: IOPS on the source, grains changed since T0 in the map.
                List<String> hostWrites = new ArrayList<>();
                for (int i = 0; i < 600; i++) {
                    hostWrites.add("write -P 0x77 " + (160L * MIB + i * 96L * 1024) + " 4K");
                }
                Thread writer =
                        Thread.ofPlatform().start(() -> Qemu.io(server.uri("src"), hostWrites.toArray(String[]::new)));
                result = JSON.readTree(expectLine(out, "RESULT ").substring("RESULT ".length()));
                writer.join();
            } finally {
                if (!node.waitFor(60, TimeUnit.SECONDS)) {
                    node.destroyForcibly();
                }
            }

            assertEquals(0, result.get("pageErrors").size(), "no script errors on the page: " + result);
            assertTrue(result.get("tokenDialogWorked").asBoolean(), "without #token the page asks for it: " + result);
            assertFalse(
                    result.get("addressBarAfterLoad").asText().contains(admin.token()),
                    "the page drops the token from the address bar: " + result);
            assertEquals("[\"src\"]", result.get("volumesListed").toString());
            JsonNode progress = result.get("progress");
            assertTrue(progress.size() >= 3, "progress seen moving through at least 3 values: " + progress);
            for (int i = 1; i < progress.size(); i++) {
                assertTrue(
                        progress.get(i).asDouble() > progress.get(i - 1).asDouble(),
                        "progress only grows: " + progress);
            }
            assertEquals("[\"src\",\"tgt\"]", result.get("graphNodes").toString());
            assertEquals(1, result.get("graphEdges").asInt());
            assertTrue(result.get("rateText").asText().contains("ETA"), result.toString());
            assertTrue(result.get("maxIops").asDouble() > 0, "the page showed the host writes' IOPS: " + result);
            assertTrue(result.get("maxChanged").asLong() > 0, "the page counted grains changed since T0: " + result);
            assertEquals("nocopy", result.get("snapState").asText());
            assertTrue(result.get("confirmText").asText().contains("will NOT be a full copy"), result.toString());
            assertTrue(result.get("snapWithdrawn").asBoolean());
            String lsflash = server.cli("lsflash", "--json").ok().out();
            assertTrue(
                    lsflash.contains("\"tgt\"") && !lsflash.contains("\"snap\""),
                    "the page withdrew src:snap only: " + lsflash);
            for (String shot : List.of(
                    "00-token-dialog",
                    "01-loaded",
                    "02-copying",
                    "03-relationship-card",
                    "04-mkflash-form",
                    "05-two-targets",
                    "06-confirm-withdraw")) {
                assertTrue(Files.size(SHOTS.resolve(shot + ".png")) > 5000, shot + " saved");
            }
            assertFalse(server.logText().contains(admin.token()), "the token never reaches the server's log");
        }
    }

    private static void requireBrowser() {
        if (!Files.isExecutable(Path.of("/usr/bin/chromium"))
                || !Files.isDirectory(SCRIPT_DIR.resolve("node_modules/playwright-core"))) {
            fail("chromium or playwright-core is missing: run bin/install-clients");
        }
        Command.run(Duration.ofSeconds(10), "node", "--version").ok();
    }

    /** Reads lines until one starts with {@code prefix}; a FAILED line or EOF fails the test. */
    private static String expectLine(BufferedReader out, String prefix) throws IOException {
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith(prefix)) {
                return line;
            }
            if (line.startsWith("FAILED")) {
                fail("the browser script failed: " + line);
            }
        }
        fail("the browser script ended before printing " + prefix.strip());
        return null;
    }
}
