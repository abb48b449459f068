package dev.corral.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.route.RouteMatch;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AccessLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Exchange exchange(String path, String model) throws Exception {
        Exchange e = new Exchange("0194f2a3b4c5d6e7f8091a2b", Instant.parse("2026-11-24T01:02:03.456789Z"), System.nanoTime(),
                new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/x"), InetAddress.getByName("::1"), null, null);
        e.match(new RouteMatch(RouteMatch.Kind.NOT_FOUND, null, path, Map.of(), null));
        e.model(model);
        e.keyId("k3x9m2p7q4wa");
        e.authMethod("key");
        return e;
    }

    @Test
    void oneJsonObjectWhateverTheClientPutInThePathOrModel() throws Exception {
        String nasty = "a\"b\\c\u0000d\u001fe\n\r\t/é😀\u2028</script>";
        Exchange e = exchange("/api/" + nasty, nasty);
        e.tally().finish(Outcome.REFUSED, 404, "not_found", 1_500_000);
        String line = AccessLog.line(e);
        assertThat(line).doesNotContain("\n").doesNotContain("\r").startsWith("{").endsWith("}");
        JsonNode j = JSON.readTree(line);
        assertThat(j.get("path").asText()).isEqualTo("/api/" + nasty);
        assertThat(j.get("model").asText()).isEqualTo(nasty);
        assertThat(j.get("time").asText()).isEqualTo("2026-11-24T01:02:03.456789Z");
        assertThat(j.get("request_id").asText()).isEqualTo("0194f2a3b4c5d6e7f8091a2b");
        assertThat(j.get("client").asText()).isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(j.get("method").asText()).isEqualTo("POST");
        assertThat(j.get("route").isNull()).isTrue();
        assertThat(j.get("key_id").asText()).isEqualTo("k3x9m2p7q4wa");
        assertThat(j.get("auth").asText()).isEqualTo("key");
        assertThat(j.get("status").asInt()).isEqualTo(404);
        assertThat(j.get("outcome").asText()).isEqualTo("refused");
        assertThat(j.get("reason").asText()).isEqualTo("not_found");
        assertThat(j.get("duration_ms").asLong()).isEqualTo(1);
        assertThat(j.has("prompt_tokens")).isFalse();
        assertThat(j.get("bytes_in").asLong()).isZero();
        // the fields in their documented order
        assertThat(j.fieldNames()).toIterable().startsWith("time", "request_id", "client", "method", "route", "path",
                "key_id", "auth", "model", "status", "outcome").endsWith("bytes_in", "bytes_out", "duration_ms");
    }

    @Test
    void longValuesAreCutAndTheBufferOfOneLineDoesNotLeakIntoTheNext() throws Exception {
        String big = "m".repeat(10_000);
        Exchange long1 = exchange("/p", big);
        long1.tally().finish(Outcome.COMPLETED, 200, "a reason only this line has", 0);
        JsonNode first = JSON.readTree(AccessLog.line(long1));
        assertThat(first.get("model").asText()).hasSize(257).endsWith("…");
        Exchange small = exchange("/q", null);
        small.tally().tokens(7, 9, 1);
        small.tally().finish(Outcome.COMPLETED, 200, null, 0);
        JsonNode second = JSON.readTree(AccessLog.line(small));
        assertThat(second.get("model").isNull()).isTrue();
        assertThat(second.get("path").asText()).isEqualTo("/q");
        assertThat(second.get("prompt_tokens").asLong()).isEqualTo(7);
        assertThat(second.get("completion_tokens").asLong()).isEqualTo(9);
        assertThat(second.has("reason")).isFalse();
    }
}
