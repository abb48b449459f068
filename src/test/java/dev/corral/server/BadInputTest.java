package dev.corral.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.store.Scope;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.testing.RawClient;
import dev.corral.testing.TestGateway;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every bad input the foundation must refuse: right status, body in the client's dialect, and Ollama sees nothing. */
class BadInputTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String UNAUTHORIZED = "{\"error\":\"unauthorized: a valid API key is required (Authorization: Bearer <key>)\"}";
    static TestGateway gw;
    static String key;

    @BeforeAll
    static void start() throws Exception {
        // Failed-auth limiting per address has its own test (AdmissionTest): here every bad input gets its own answer.
        gw = TestGateway.start(Map.of("limits.max_body_bytes", "64KiB", "admission.failed_auth_burst", "100000"),
                SimConfig.defaults(new HostPort("127.0.0.1", 0)));
        key = gw.inferenceKey();
        gw.seen().clear();
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @AfterEach
    void ollamaSawNothing() {
        assertThat(gw.seen().requests()).as("requests that reached Ollama").isEmpty();
        gw.seen().clear();
    }

    RawClient.Response send(String request) throws Exception {
        try (RawClient c = gw.raw()) {
            return c.send(request).read();
        }
    }

    static String post(String path, String auth, String body) {
        return "POST " + path + " HTTP/1.1\r\nHost: x\r\n" + (auth == null ? "" : auth + "\r\n")
                + "Content-Type: application/json\r\nContent-Length: " + body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                + "\r\n\r\n" + body;
    }

    static String get(String path, String auth) {
        return "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + (auth == null ? "" : auth + "\r\n") + "\r\n";
    }

    @Test
    void everyCredentialFailureGetsTheSame401() throws Exception {
        String revoked = gw.key("revoked", EnumSet.of(Scope.INFERENCE), List.of(), null);
        gw.corral.store().revokeKey(dev.corral.access.ApiKey.idOf(revoked), Instant.now());
        Instant expiry = Instant.now().plusMillis(300);
        String expired = gw.key("expired", EnumSet.of(Scope.INFERENCE), List.of(), expiry);
        dev.corral.testing.Eventually.await("key expiry", java.time.Duration.ofSeconds(5), () -> Instant.now().isAfter(expiry));
        List<String> auths = List.of(
                "",
                "Authorization: Bearer",
                "Authorization: Bearer ",
                "Authorization: Basic dXNlcjpwYXNz",
                "Authorization: " + key,
                "Authorization: Bearer not-a-key",
                "Authorization: Bearer crl_aaaaaaaaaaaa_" + "A".repeat(43),
                "Authorization: Bearer " + key + "x",
                "Authorization: Bearer " + key.substring(0, key.length() - 1) + (key.endsWith("A") ? "B" : "A"),
                "Authorization: Bearer " + revoked,
                "Authorization: Bearer " + expired,
                "Authorization: Bearer " + key + "\r\nAuthorization: Bearer " + key,
                "Authorization: Bearer " + key + "\r\nx-api-key: " + key,
                "x-api-key: ",
                "Authorization: Bearer " + "k".repeat(600));
        for (String auth : auths) {
            RawClient.Response r = send(get("/api/tags", auth.isEmpty() ? null : auth));
            assertThat(r.status()).as(auth).isEqualTo(401);
            assertThat(r.body()).as(auth).isEqualTo(UNAUTHORIZED);
        }
        assertThat(gw.accessLog()).anyMatch(l -> l.contains("\"reason\":\"auth_revoked\""))
                .anyMatch(l -> l.contains("\"reason\":\"auth_expired\""))
                .anyMatch(l -> l.contains("\"reason\":\"auth_unknown\""))
                .anyMatch(l -> l.contains("\"reason\":\"auth_missing\""));
    }

    @Test
    void refusalsSpeakTheClientsDialect() throws Exception {
        JsonNode openai = JSON.readTree(send(post("/v1/chat/completions", null, "{}")).body());
        assertThat(openai.path("error").path("message").asText()).startsWith("unauthorized");
        assertThat(openai.path("error").path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(openai.path("error").path("code").asText()).isEqualTo("invalid_api_key");
        assertThat(openai.path("error").has("param")).isTrue();
        JsonNode anthropic = JSON.readTree(send(post("/v1/messages", "x-api-key: nope", "{}")).body());
        assertThat(anthropic.path("type").asText()).isEqualTo("error");
        assertThat(anthropic.path("error").path("type").asText()).isEqualTo("authentication_error");
        JsonNode oai404 = JSON.readTree(send(get("/v1/nothing", null)).body());
        assertThat(oai404.path("error").path("code").asText()).isEqualTo("not_found");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/pull", "/api/push", "/api/create", "/api/copy", "/api/blobs/sha256:"
            + "0000000000000000000000000000000000000000000000000000000000000000", "/api/me", "/api/signout",
            "/api/experimental/web_search", "/api/experimental/web_fetch", "/api/nope", "/API/PULL", "/api/pull/",
            "/api%2Fpull", "/api/./pull", "//api/pull", "/api/pull;x", "/v1/chat/completions/"})
    void adminAccountAndUnknownRoutesAre404WhateverTheKey(String path) throws Exception {
        RawClient.Response r = send(post(path, "Authorization: Bearer " + key, "{\"model\":\"llama3\"}"));
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.header("connection")).isEqualTo("close"); // body left unread: framing not trusted further
    }

    @Test
    void accountAndDeleteRoutesWithOtherMethodsAre404Too() throws Exception {
        assertThat(send("DELETE /api/user/keys/abc HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\n\r\n").status())
                .isEqualTo(404);
        assertThat(send("DELETE /api/delete HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\n\r\n").status())
                .isEqualTo(404);
        assertThat(send(get("/api/pull", "Authorization: Bearer " + key)).status()).isEqualTo(404);
    }

    @Test
    void wrongMethodOnARealRouteIs405() throws Exception {
        RawClient.Response r = send(get("/api/chat", "Authorization: Bearer " + key));
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.body()).isEqualTo("{\"error\":\"405 method not allowed\"}");
        assertThat(send("DELETE /api/tags HTTP/1.1\r\nHost: x\r\n\r\n").status()).isEqualTo(405);
    }

    @Test
    void bodiesOverTheLimitAre413BeforeBeingRead() throws Exception {
        try (RawClient c = gw.raw()) {
            c.send("POST /api/chat HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                    + "\r\nContent-Length: 100000000\r\n\r\n{\"model\":");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(c.closedByServer()).isTrue();
        }
        try (RawClient c = gw.raw()) {
            c.send("POST /api/chat HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                    + "\r\nTransfer-Encoding: chunked\r\n\r\n");
            String chunk = Integer.toHexString(16 * 1024) + "\r\n" + "a".repeat(16 * 1024) + "\r\n";
            RawClient.Response r = null;
            for (int i = 0; i < 8 && r == null; i++) {
                try {
                    c.send(chunk);
                } catch (java.io.IOException closed) {
                    break;
                }
            }
            r = c.read();
            assertThat(r.status()).isEqualTo(413);
        }
    }

    @Test
    void inferenceBodiesMustBeJsonObjectsNamingOneModel() throws Exception {
        record Case(String body, String reason) {}
        List<Case> cases = List.of(
                new Case("", "missing request body"),
                new Case("not json", "not valid JSON"),
                new Case("[1,2]", "JSON object"),
                new Case("\"llama3\"", "JSON object"),
                new Case("{\"prompt\":\"x\"}", "model is required"),
                new Case("{\"model\":\"\"}", "model is required"),
                new Case("{\"model\":42}", "cannot unmarshal number into Go struct field GenerateRequest.model of type string"),
                new Case("{\"model\":null}", "model is required"), // Go leaves a string field as it was on null
                new Case("{\"model\":\"llama3.2:3b\",\"model\":\"qwen2.5:7b\"}", "more than once"),
                new Case("{\"model\":\"llama3.2:3b\",\"Model\":\"qwen2.5:7b\"}", "more than once"),
                new Case("{\"MODEL\":\"llama3.2:3b\",\"model\":\"x:cloud\"}", "more than once"),
                new Case("{\"model\":\"llama3.2:3b\"}{\"model\":\"x\"}", "after the JSON object"),
                new Case("{\"model\":\"llama3.2:3b\",", "not valid JSON"),
                new Case("{\"model\":\"a\u0001b\"}", "not valid JSON"),
                new Case("{\"model\":\"" + "[".repeat(100) + "\"}", "invalid model name"),
                new Case("{\"model\":\"../../etc/passwd\"}", "invalid model name"),
                new Case("{\"model\":\"/llama3\"}", "invalid model name"),
                new Case("{\"model\":\"llama3:8b:cloud\"}", "invalid model name"),
                new Case("{\"model\":\"llama3 \"}", "invalid model name"),
                new Case("{\"x\":" + "[".repeat(200) + "]".repeat(200) + ",\"model\":\"llama3.2:3b\"}", "not valid JSON"));
        for (Case c : cases) {
            RawClient.Response r = send(post("/api/generate", "Authorization: Bearer " + key, c.body()));
            assertThat(r.status()).as(c.body()).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).path("error").asText()).as(c.body()).contains(c.reason());
        }
        byte[] badUtf8 = {'{', '"', 'm', 'o', 'd', 'e', 'l', '"', ':', '"', (byte) 0xc3, (byte) 0x28, '"', '}'};
        try (RawClient c = gw.raw()) {
            c.send(("POST /api/chat HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\nContent-Length: "
                    + badUtf8.length + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            c.send(badUtf8);
            assertThat(c.read().status()).isEqualTo(400);
        }
    }

    @Test
    void cloudModelsAreRefusedByDefault() throws Exception {
        for (String model : List.of("gpt-oss:120b-cloud", "deepseek-v3.1:671b-cloud", "qwen3-coder:cloud",
                "GPT-OSS:120B-CLOUD", "registry.ollama.ai/library/kimi:cloud")) {
            RawClient.Response r = send(post("/api/chat", "Authorization: Bearer " + key,
                    "{\"model\":\"" + model + "\",\"messages\":[]}"));
            assertThat(r.status()).as(model).isEqualTo(403);
            assertThat(r.body()).contains("cloud models are refused");
        }
    }

    @Test
    void scopesAndModelListsAreEnforced() throws Exception {
        String meta = gw.key("meta-only", EnumSet.of(Scope.META), List.of(), null);
        RawClient.Response r = send(post("/api/generate", "Authorization: Bearer " + meta, "{\"model\":\"llama3.2:3b\"}"));
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.body()).isEqualTo("{\"error\":\"this key may not use inference routes\"}");
        String limited = gw.key("limited", EnumSet.of(Scope.INFERENCE), List.of("llama3*", "qwen2.5:7b"), null);
        for (String model : List.of("qwen2.5:14b", "mistral", "evil.example/llama3", "evil.example/library/llama3.2:3b")) {
            RawClient.Response d = send(post("/v1/chat/completions", "Authorization: Bearer " + limited,
                    "{\"model\":\"" + model + "\",\"messages\":[]}"));
            assertThat(d.status()).as(model).isEqualTo(403);
            assertThat(JSON.readTree(d.body()).path("error").path("code").asText()).isEqualTo("permission_denied");
        }
    }

    @Test
    void aBodyOnARouteThatTakesNoneIsRefused() throws Exception {
        RawClient.Response r = send("GET /api/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                + "\r\nContent-Length: 2\r\n\r\n{}");
        assertThat(r.status()).isEqualTo(400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/%zz", "/api/tags%00", "/api/%c3%28", "/api/tags%0d%0aX-Injected:%201"})
    void unreadableTargetsAre400(String path) throws Exception {
        assertThat(send(get(path, "Authorization: Bearer " + key)).status()).isEqualTo(400);
    }

    @Test
    void malformedHttpIs400AndClosesTheConnection() throws Exception {
        try (RawClient c = gw.raw()) {
            RawClient.Response r = c.send("GET /api/tags HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab").read();
            assertThat(r.status()).isEqualTo(400);
            assertThat(c.closedByServer()).isTrue();
        }
        try (RawClient c = gw.raw()) {
            RawClient.Response r = c.send("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(414);
        }
        try (RawClient c = gw.raw()) {
            RawClient.Response r = c.send("GET /api/tags HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(431);
        }
    }
}
