package dev.flashcopy.tools.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.flashcopy.tools.admin.AdminFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.AfterAll;

/**
 * Made-up bodies for every mutating route. Two volumes exist, so some bodies name real ones and get past the
 * checks into the engine. A 500 means an unexpected exception: a bug, however odd the input.
 */
class AdminJsonFuzzTest {
    private static final List<String> ROUTES = List.of(
            "POST /v1/volumes",
            "POST /v1/relationships",
            "POST /v1/relationships/resync",
            "POST /v1/relationships/a:b/withdraw",
            "POST /v1/relationships/a:b/reverse",
            "POST /v1/relationships/a:b/rate",
            "POST /v1/relationships/a:b/resync");
    private static final List<String> WORDS = List.of(
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"pairs\"",
            "\"a:b\"",
            "\"b:a\"",
            "\"a:a\"",
            "\"name\"",
            "\"size\"",
            "\"mode\"",
            "\"copy\"",
            "\"nocopy\"",
            "\"persistent\"",
            "\"record\"",
            "\"seqnum\"",
            "\"grainSize\"",
            "\"rateMiBps\"",
            "\"force\"",
            "\"copyFirst\"",
            "\"fast\"",
            "true",
            "false",
            "null",
            "0",
            "-1",
            "65536",
            "1e999",
            "\"1G\"",
            "\"a\"",
            "\"b\"",
            "4096");

    private static AdminFixture fixture;

    private static AdminFixture fixture() {
        if (fixture == null) {
            try {
                fixture = new AdminFixture(Files.createTempDirectory("admin-fuzz"));
                assertEquals(
                        201,
                        fixture.send("POST", "/v1/volumes", "{\"name\":\"a\",\"size\":\"1M\"}")
                                .statusCode());
                assertEquals(
                        201,
                        fixture.send("POST", "/v1/volumes", "{\"name\":\"b\",\"size\":\"1M\"}")
                                .statusCode());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
        return fixture;
    }

    @AfterAll
    static void closeFixture() {
        if (fixture != null) {
            fixture.close();
            fixture = null;
        }
    }

    @FuzzTest(maxDuration = "10s")
    void anyBodyGetsAnAnswerThatIsNotAServerError(FuzzedDataProvider in) throws Exception {
        String[] route = in.pickValue(ROUTES).split(" ");
        StringBuilder body = new StringBuilder();
        int tokens = in.consumeInt(0, 40);
        for (int i = 0; i < tokens; i++) {
            body.append(in.consumeBoolean() ? in.pickValue(WORDS) : in.consumeString(8));
        }
        if (body.indexOf("file") >= 0) {
            return; // mkvol --file registers an existing file in place: not something to aim random bytes at
        }
        HttpResponse<String> answer = fixture().send(route[0], route[1], body.toString());
        assertTrue(
                answer.statusCode() < 500,
                route[0] + " " + route[1] + " " + body + " -> " + answer.statusCode() + " " + answer.body());
        if (answer.statusCode() >= 400) {
            assertTrue(answer.body().startsWith("{") && answer.body().contains("\"error\""), answer.body());
        }
    }
}
