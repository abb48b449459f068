package dev.corral.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.store.Scope;
import dev.corral.testing.TestGateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console's defences, over the wire: nothing without a session, no change without the CSRF
 * token or from another origin, the session cookie's attributes, the Content-Security-Policy on
 * every page, a revoked admin key's session ended, and no console on the public listener.
 */
class ConsoleSecurityTest {
    static TestGateway gw;
    static String adminKey;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final Pattern CSRF = Pattern.compile("\"csrf\":\"([^\"]+)\"");

    @BeforeAll
    static void start() throws Exception {
        gw = TestGateway.start(Map.of("admission.failed_auth_burst", "1000"), SimConfig.defaults(new HostPort("127.0.0.1", 0)));
        adminKey = gw.key("ops", EnumSet.of(Scope.ADMIN), List.of(), null);
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    static String origin() {
        return "http://127.0.0.1:" + gw.corral.adminAddress().getPort();
    }

    static HttpResponse<String> call(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(origin() + path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Signs in with the admin key: the cookie ("corral_session=…") and the CSRF token. */
    static String[] signIn() throws Exception {
        HttpResponse<String> r = call("POST", "/console/session", "{\"key\":\"" + adminKey + "\"}",
                "Content-Type", "application/json", "Origin", origin());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String setCookie = r.headers().firstValue("set-cookie").orElseThrow();
        Matcher m = CSRF.matcher(r.body());
        assertThat(m.find()).isTrue();
        return new String[] {setCookie.substring(0, setCookie.indexOf(';')), m.group(1), setCookie};
    }

    @Test
    void thePageCarriesAStrictContentSecurityPolicy() throws Exception {
        for (String path : List.of("/console/", "/console/app.js", "/console/app.css", "/console/session")) {
            HttpResponse<String> r = call("GET", path, null);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            String csp = r.headers().firstValue("content-security-policy").orElseThrow();
            assertThat(csp).contains("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'")
                    .doesNotContain("unsafe-inline", "unsafe-eval", "http:", "https:");
            assertThat(r.headers().firstValue("x-content-type-options")).hasValue("nosniff");
            assertThat(r.headers().firstValue("x-frame-options")).hasValue("DENY");
        }
        HttpResponse<String> page = call("GET", "/console/", null);
        assertThat(page.body()).doesNotContain("<script>", "style=", "onclick", "http://", "https://");
        Matcher uplot = Pattern.compile("src=\"(/console/webjars/uplot/[0-9.]+/dist/uPlot\\.iife\\.min\\.js)\"").matcher(page.body());
        assertThat(uplot.find()).as("uPlot from its WebJar, on a versioned path").isTrue();
        HttpResponse<String> lib = call("GET", uplot.group(1), null);
        assertThat(lib.statusCode()).isEqualTo(200);
        assertThat(lib.headers().firstValue("cache-control")).hasValue("public, max-age=31536000, immutable");
        assertThat(call("GET", "/console/../pom.xml", null).statusCode()).isEqualTo(404);
        assertThat(call("GET", "/console/webjars/uplot/LICENSE", null).statusCode()).isEqualTo(404);
    }

    @Test
    void nothingWithoutASession() throws Exception {
        HttpResponse<String> who = call("GET", "/console/session", null);
        assertThat(who.body()).contains("\"signed_in\":false").doesNotContain("csrf");
        assertThat(call("GET", "/admin/v1/keys", null, "Cookie", "corral_session=made-up").statusCode()).isEqualTo(401);
        assertThat(call("GET", "/admin/v1/keys", null).statusCode()).isEqualTo(401);
        assertThat(call("GET", "/console/events/live?csrf=x", null).statusCode()).isEqualTo(401);
        HttpResponse<String> wrongKey = call("POST", "/console/session", "{\"key\":\"crl_000000000000_" + "x".repeat(43) + "\"}",
                "Content-Type", "application/json", "Origin", origin());
        assertThat(wrongKey.statusCode()).isEqualTo(401);
        assertThat(wrongKey.headers().firstValue("set-cookie")).isEmpty();
        HttpResponse<String> inference = call("POST", "/console/session", "{\"key\":\"" + gw.inferenceKey() + "\"}",
                "Content-Type", "application/json", "Origin", origin());
        assertThat(inference.statusCode()).as("only an admin key signs in").isEqualTo(401);
    }

    @Test
    void theSessionCookieIsHttpOnlyStrictAndExpiring() throws Exception {
        String[] s = signIn();
        assertThat(s[2].toLowerCase(java.util.Locale.ROOT)).contains("; httponly", "; samesite=strict", "; max-age=28800", "; path=/")
                .doesNotContain("secure");
        HttpResponse<String> keys = call("GET", "/admin/v1/keys", null, "Cookie", s[0], "X-Corral-CSRF", s[1]);
        assertThat(keys.statusCode()).isEqualTo(200);
        assertThat(keys.body()).contains("\"ops\"");
    }

    @Test
    void csrfIsRefused() throws Exception {
        String[] s = signIn();
        String body = "{\"name\":\"csrf-victim\"}";
        assertThat(call("POST", "/admin/v1/keys", body, "Cookie", s[0], "Content-Type", "application/json").statusCode())
                .as("no token").isEqualTo(403);
        assertThat(call("POST", "/admin/v1/keys", body, "Cookie", s[0], "X-Corral-CSRF", "wrong").statusCode())
                .as("a wrong token").isEqualTo(403);
        assertThat(call("POST", "/admin/v1/keys", body, "Cookie", s[0], "X-Corral-CSRF", s[1], "Origin", "http://evil.example")
                .statusCode()).as("another origin, even with the token").isEqualTo(403);
        assertThat(call("POST", "/admin/v1/keys", body, "Cookie", s[0], "X-Corral-CSRF", s[1], "Sec-Fetch-Site", "cross-site")
                .statusCode()).isEqualTo(403);
        assertThat(call("GET", "/admin/v1/keys", null, "Cookie", s[0]).statusCode()).as("reads need the token too").isEqualTo(403);
        assertThat(call("GET", "/console/events/live?csrf=wrong", null, "Cookie", s[0]).statusCode()).isEqualTo(403);
        assertThat(call("POST", "/console/session", "{\"key\":\"" + adminKey + "\"}", "Content-Type", "text/plain",
                "Origin", origin()).statusCode()).as("a form post cannot sign in").isEqualTo(415);
        assertThat(call("POST", "/console/session", "{\"key\":\"" + adminKey + "\"}", "Content-Type", "application/json",
                "Origin", "http://evil.example").statusCode()).isEqualTo(403);
        assertThat(call("DELETE", "/console/session", null, "Cookie", s[0]).statusCode()).as("sign-out needs the token").isEqualTo(403);
        assertThat(gw.corral.audit().head().seq()).isPositive();
        HttpResponse<String> keys = call("GET", "/admin/v1/keys", null, "Cookie", s[0], "X-Corral-CSRF", s[1]);
        assertThat(keys.body()).doesNotContain("csrf-victim");
        HttpResponse<String> ok = call("POST", "/admin/v1/keys", body, "Cookie", s[0], "X-Corral-CSRF", s[1],
                "Content-Type", "application/json", "Origin", origin());
        assertThat(ok.statusCode()).as("with the token, from the console's origin").isEqualTo(201);
    }

    @Test
    void signingOutAndRevokingTheAdminKeyEndTheSession() throws Exception {
        String[] s = signIn();
        HttpResponse<String> out = call("DELETE", "/console/session", null, "Cookie", s[0], "X-Corral-CSRF", s[1]);
        assertThat(out.statusCode()).isEqualTo(200);
        assertThat(out.headers().firstValue("set-cookie").orElseThrow()).contains("Max-Age=0");
        assertThat(call("GET", "/admin/v1/keys", null, "Cookie", s[0], "X-Corral-CSRF", s[1]).statusCode()).isEqualTo(401);

        String other = gw.key("ops-2", EnumSet.of(Scope.ADMIN), List.of(), null);
        HttpResponse<String> in = call("POST", "/console/session", "{\"key\":\"" + other + "\"}",
                "Content-Type", "application/json", "Origin", origin());
        Matcher m = CSRF.matcher(in.body());
        assertThat(m.find()).isTrue();
        String cookie = in.headers().firstValue("set-cookie").orElseThrow().split(";")[0];
        String id = other.substring(4, 16);
        assertThat(call("POST", "/admin/v1/keys/" + id + "/revoke", null, "Authorization", "Bearer " + adminKey).statusCode())
                .isEqualTo(200);
        assertThat(call("GET", "/admin/v1/keys", null, "Cookie", cookie, "X-Corral-CSRF", m.group(1)).statusCode()).isEqualTo(401);
    }

    @Test
    void theConsoleIsNotOnThePublicListener() throws Exception {
        for (String path : List.of("/console/", "/console/session", "/console/app.js")) {
            HttpResponse<String> r = gw.get(path, gw.inferenceKey());
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(r.body()).doesNotContain("Corral console");
        }
    }

    @Test
    void usageIsGroupedByMinuteAndByStatus() throws Exception {
        assertThat(gw.get("/api/tags", gw.inferenceKey()).statusCode()).isEqualTo(200);
        String narrow = gw.key("narrow", EnumSet.of(Scope.INFERENCE), List.of("qwen2.5:7b"), null);
        assertThat(gw.post("/api/generate", narrow, "{\"model\":\"llama3.2:3b\",\"prompt\":\"hi\",\"stream\":false}")
                .statusCode()).as("a model the key may not use").isEqualTo(403);
        List<dev.corral.store.UsageRecord> records = gw.usage();
        java.time.LocalDate first = records.get(0).time().atZone(java.time.ZoneOffset.UTC).toLocalDate();
        HttpResponse<String> minute = call("GET", "/admin/v1/usage?since=1h&by=minute", null, "Authorization", "Bearer " + adminKey);
        assertThat(minute.body()).containsPattern("\"minute\":\"\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}\"");
        HttpResponse<String> status = call("GET", "/admin/v1/usage?since=1h&by=status", null, "Authorization", "Bearer " + adminKey);
        assertThat(status.body()).contains("\"status\":\"200\"", "\"status\":\"403\"");
        // days of the first record (UTC), not of the clock now, so midnight cannot move the ranges under the test
        String yesterday = first.minusDays(1).toString();
        String today = first.toString();
        HttpResponse<String> before = call("GET", "/admin/v1/usage?since=" + yesterday + "&until=" + yesterday + "&by=total", null,
                "Authorization", "Bearer " + adminKey);
        assertThat(before.body()).as("a range that ends before today").contains("\"rows\":[]");
        HttpResponse<String> incl = call("GET", "/admin/v1/usage?since=" + yesterday + "&until=" + today + "&by=total", null,
                "Authorization", "Bearer " + adminKey);
        assertThat(incl.body()).contains("\"requests\":");
        assertThat(call("GET", "/admin/v1/usage?since=" + today + "&until=" + yesterday, null, "Authorization", "Bearer " + adminKey)
                .statusCode()).isEqualTo(400);
    }

    @Test
    void aKeysModelsAndScopesChangeButNeverToOrFromAdmin() throws Exception {
        String key = gw.inferenceKey();
        String id = key.substring(4, 16);
        String[] auth = {"Authorization", "Bearer " + adminKey, "Content-Type", "application/json"};
        String gen = "{\"model\":\"llama3.2:3b\",\"prompt\":\"hi\",\"stream\":false}";
        assertThat(gw.post("/api/generate", key, gen).statusCode()).isEqualTo(200);
        assertThat(call("PATCH", "/admin/v1/keys/" + id, "{\"scopes\":[\"admin\"]}", auth).statusCode())
                .as("an inference secret never becomes an admin key").isEqualTo(400);
        assertThat(call("PATCH", "/admin/v1/keys/" + adminKey.substring(4, 16), "{\"scopes\":[\"inference\"]}", auth)
                .statusCode()).isEqualTo(400);
        assertThat(call("PATCH", "/admin/v1/keys/" + id, "{\"name\":\"x\"}", auth).statusCode()).isEqualTo(400);
        assertThat(call("PATCH", "/admin/v1/keys/" + id, "{\"models\":[\"qwen2.5:7b\"],\"limits\":{\"rpm\":-1}}", auth)
                .statusCode()).as("a bad field changes nothing").isEqualTo(400);
        assertThat(gw.post("/api/generate", key, gen).statusCode()).isEqualTo(200);
        HttpResponse<String> ok = call("PATCH", "/admin/v1/keys/" + id, "{\"models\":[\"qwen2.5:7b\"],\"scopes\":[\"meta\",\"inference\"]}", auth);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(ok.body()).contains("\"models\":[\"qwen2.5:7b\"]");
        assertThat(gw.post("/api/generate", key, gen).statusCode()).as("in force when the call returns").isEqualTo(403);
        assertThat(gw.post("/api/generate", key, gen.replace("llama3.2:3b", "qwen2.5:7b")).statusCode()).isEqualTo(200);
        HttpResponse<String> audit = call("GET", "/admin/v1/audit?action=key.update", null, auth);
        assertThat(audit.body()).contains("\"was_models\":[]", "\"models\":[\"qwen2.5:7b\"]");
    }

    @Test
    void theAuditApiListsAndVerifies() throws Exception {
        HttpResponse<String> v = call("GET", "/admin/v1/audit/verify", null, "Authorization", "Bearer " + adminKey);
        assertThat(v.statusCode()).isEqualTo(200);
        assertThat(v.body()).contains("\"ok\":true", "\"problem\":null");
        HttpResponse<String> l = call("GET", "/admin/v1/audit?action=server.*", null, "Authorization", "Bearer " + adminKey);
        assertThat(l.body()).contains("\"action\":\"server.start\"").doesNotContain("key.create");
        assertThat(call("GET", "/admin/v1/audit?limit=0", null, "Authorization", "Bearer " + adminKey).statusCode()).isEqualTo(400);
    }
}
