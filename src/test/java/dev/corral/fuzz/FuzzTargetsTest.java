package dev.corral.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.corral.access.ApiKey;
import dev.corral.access.Credentials;
import dev.corral.route.RouteClass;
import dev.corral.route.RouteMatch;
import dev.corral.route.RouteTable;
import dev.corral.relay.UsageTap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.util.Set;

/**
 * Jazzer fuzz targets for the parsers that face hostile input. In the normal test run they replay
 * the committed corpus (src/test/resources/dev/corral/fuzz/FuzzTargetsTestInputs/...); with
 * JAZZER_FUZZ=1 they fuzz for their max duration (scripts/fuzz.sh runs each in turn).
 */
class FuzzTargetsTest {
    private static final RouteTable TABLE = RouteTable.ollama();
    private static final Set<RouteClass> PUBLIC = RouteTable.publicClasses();
    private static final HttpMethod[] METHODS = {HttpMethod.GET, HttpMethod.POST, HttpMethod.HEAD, HttpMethod.DELETE,
        HttpMethod.OPTIONS, HttpMethod.PUT};

    /** Classification never throws, never finds an admin or account route, and what it forwards reads back the same. */
    @FuzzTest(maxDuration = "60s")
    void routeClassifier(FuzzedDataProvider data) {
        HttpMethod method = data.pickValue(METHODS);
        String path = data.consumeRemainingAsString();
        RouteMatch m = TABLE.classify(method, path, PUBLIC);
        if (m.found()) {
            assertThat(PUBLIC).contains(m.route().routeClass());
            String forwarded = RouteTable.encodePath(m.path());
            RouteMatch again = TABLE.classify(method, forwarded, PUBLIC);
            assertThat(again.found()).isTrue();
            assertThat(again.route()).isEqualTo(m.route());
            assertThat(again.path()).isEqualTo(m.path());
        }
    }

    /** Credential headers never throw; a presented key is one token of visible ASCII. */
    @FuzzTest(maxDuration = "60s")
    void authHeaders(FuzzedDataProvider data) {
        HttpHeaders h = new DefaultHttpHeaders(false);
        int n = data.consumeInt(0, 3);
        for (int i = 0; i < n; i++) {
            h.add(data.pickValue(new String[] {"Authorization", "x-api-key", "authorization"}), data.consumeString(200));
        }
        Credentials.Presented p = Credentials.from(h);
        if (p.key() != null) {
            assertThat(p.key()).isNotEmpty().matches("[\\x21-\\x7e]+");
            String id = ApiKey.idOf(p.key());
            if (id != null) {
                assertThat(ApiKey.isId(id)).isTrue();
            }
        }
    }

    /**
     * The ollama CLI's signature header and its ts query never throw anything but a refusal: parsing
     * fails with IllegalArgumentException only, a parsed key is Ed25519, and the query forwarded to
     * Ollama never keeps a ts.
     */
    @FuzzTest(maxDuration = "60s")
    void signatureHeaders(FuzzedDataProvider data) {
        String header = data.pickValue(new String[] {"", "AAAAC3NzaC1lZDI1NTE5AAAAI", "AAAAB3NzaC1yc2EAAAA"})
                + data.consumeString(300);
        String query = data.consumeRemainingAsString();
        HttpHeaders h = new DefaultHttpHeaders(false);
        h.add("Authorization", header);
        Credentials.Presented p = Credentials.from(h);
        if (p.kind() == Credentials.Kind.SSH) {
            assertThat(p.key()).matches("[\\x21-\\x7e]+");
            try {
                dev.corral.access.OllamaSignature.Parsed parsed = dev.corral.access.OllamaSignature.parse(p.key());
                assertThat(parsed.signature()).hasSize(64);
                assertThat(parsed.key().key().getAlgorithm()).isIn("EdDSA", "Ed25519");
            } catch (IllegalArgumentException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
        String ts = dev.corral.access.OllamaSignature.ts(query);
        if (ts != null) {
            assertThat(ts).matches("[0-9]{1,12}");
        }
        String rest = dev.corral.access.OllamaSignature.withoutTs(query);
        if (rest != null) {
            for (String pair : rest.split("&", -1)) {
                assertThat(pair.equals("ts") || pair.startsWith("ts=")).isFalse();
            }
        }
    }

    /** The usage tap never throws, never moves the buffers it is shown, and reports -1 or a count. */
    @FuzzTest(maxDuration = "60s")
    void usageTap(FuzzedDataProvider data) {
        UsageTap tap = UsageTap.forContentType(data.pickValue(new String[] {"application/x-ndjson", "text/event-stream",
            "application/json"}));
        while (data.remainingBytes() > 0) {
            byte[] chunk = data.consumeBytes(data.consumeInt(1, 64));
            ByteBuf b = Unpooled.wrappedBuffer(chunk);
            tap.feed(b);
            assertThat(b.readerIndex()).isZero();
            b.release();
        }
        tap.close();
        assertThat(tap.promptTokens()).isGreaterThanOrEqualTo(-1);
        assertThat(tap.completionTokens()).isGreaterThanOrEqualTo(-1);
    }
}
