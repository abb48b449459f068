package dev.corral.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.access.Authenticator.SignedRequest;
import dev.corral.store.Credential;
import dev.corral.store.Scope;
import dev.corral.store.SqliteStore;
import dev.corral.store.StateDir;
import dev.corral.testing.OllamaSigner;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OllamaSignatureTest {
    @TempDir
    Path dir;

    /** Requests signed by Go exactly as Ollama's client signs them (scripts/ollama-sign). */
    static JsonNode vectors() throws Exception {
        try (InputStream in = OllamaSignatureTest.class.getResourceAsStream("/auth/ollama-signatures.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    @Test
    void signaturesMadeByGoAsOllamasClientMakesThemVerify() throws Exception {
        JsonNode vectors = vectors();
        assertThat(vectors.size()).isGreaterThanOrEqualTo(5);
        for (JsonNode v : vectors) {
            String header = v.path("authorization").asText();
            assertThat(OllamaSignature.looksLikeSignature(header)).isTrue();
            OllamaSignature.Parsed p = OllamaSignature.parse(header);
            String uri = v.path("request_uri").asText();
            String ts = OllamaSignature.ts(uri.substring(uri.indexOf('?') + 1));
            assertThat(ts).isEqualTo(v.path("ts").asText());
            String challenge = OllamaSignature.challenge(v.path("method").asText(), v.path("path").asText(), ts);
            assertThat(challenge).isEqualTo(v.path("challenge").asText());
            assertThat(OllamaSignature.verify(p, challenge)).as(challenge).isTrue();
            assertThat(p.key().blob()).isEqualTo(SshPublicKey.parseLine(v.path("authorized_key").asText()).blob());
            // Any other method, path or ts is another message.
            assertThat(OllamaSignature.verify(p, OllamaSignature.challenge("PUT", v.path("path").asText(), ts))).isFalse();
            assertThat(OllamaSignature.verify(p, OllamaSignature.challenge(v.path("method").asText(), "/api/other", ts))).isFalse();
            assertThat(OllamaSignature.verify(p, OllamaSignature.challenge(v.path("method").asText(), v.path("path").asText(),
                    String.valueOf(Long.parseLong(ts) + 1)))).isFalse();
        }
    }

    @Test
    void theSignedTimeIsReadOnceFromTheQueryAndDroppedBeforeForwarding() {
        assertThat(OllamaSignature.ts("ts=1767225600")).isEqualTo("1767225600");
        assertThat(OllamaSignature.ts("a=1&ts=17")).isEqualTo("17");
        assertThat(OllamaSignature.ts("ts=1&ts=1")).isNull();
        assertThat(OllamaSignature.ts("ts=-1")).isNull();
        assertThat(OllamaSignature.ts("ts=1e9")).isNull();
        assertThat(OllamaSignature.ts("ts")).isNull();
        assertThat(OllamaSignature.ts(null)).isNull();
        assertThat(OllamaSignature.withoutTs("ts=17")).isNull();
        assertThat(OllamaSignature.withoutTs("a=1&ts=17&b=2")).isEqualTo("a=1&b=2");
        assertThat(OllamaSignature.withoutTs("tsx=1")).isEqualTo("tsx=1");
    }

    @Test
    void onlyEd25519KeysAreTakenAndTheMessageSaysSo() throws Exception {
        byte[] rsaWire = wire("ssh-rsa", new byte[] {1, 0, 1}, new byte[257]);
        byte[] ecWire = wire("ecdsa-sha2-nistp256", "nistp256".getBytes(), new byte[65]);
        String sig = Base64.getEncoder().encodeToString(new byte[64]);
        for (byte[] w : List.of(rsaWire, ecWire)) {
            String header = Base64.getEncoder().encodeToString(w) + ":" + sig;
            assertThat(OllamaSignature.looksLikeSignature(header)).isTrue();
            assertThatThrownBy(() -> OllamaSignature.parse(header)).hasMessageContaining("only ssh-ed25519");
        }
        assertThatThrownBy(() -> SshPublicKey.parseLine("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== bob"))
                .hasMessageContaining("a ssh-rsa key; only ssh-ed25519");
        for (String bad : List.of("x:y", "AAAA:", ":abc", "AAAAC3NzaC1lZDI1NTE5AAAAIA==:" + sig,
                OllamaSigner.generate().authorizationOver("x").replaceAll(":.*", ":AAAA"))) {
            assertThatThrownBy(() -> OllamaSignature.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(OllamaSignature.looksLikeSignature("Bearer crl_x")).isFalse();
        assertThat(OllamaSignature.looksLikeSignature("a:b:c")).isFalse();
    }

    @Test
    void aRegisteredKeySignsInWithinTheWindowOverASecureChannelOnly() throws Exception {
        StateDir state = StateDir.open(dir.resolve("state"));
        KeyHasher hasher = new KeyHasher(state.serverSecret());
        Instant now = Instant.parse("2026-11-23T12:00:00Z");
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        try (SqliteStore store = SqliteStore.open(state)) {
            OllamaSigner alice = OllamaSigner.generate();
            OllamaSigner stranger = OllamaSigner.generate();
            String id = new KeyIssuer(store, hasher, clock).create("alice", EnumSet.of(Scope.INFERENCE), List.of(), null).record().id();
            SshPublicKey k = SshPublicKey.parseLine(alice.publicKeyLine("alice@laptop"));
            assertThat(store.putCredential(new Credential(Credential.SSH, k.blob(), id, k.line(), now))).isTrue();
            assertThat(store.putCredential(new Credential(Credential.SSH, "x", "zzzzzzzzzzzz", "x", now))).isFalse();
            KeyDirectory keys = new KeyDirectory(store);
            keys.refresh();
            Authenticator auth = new Authenticator(keys, hasher, clock);
            long ts = now.getEpochSecond();

            Authenticator.Result ok = auth.signature(presented(alice.authorization("POST", "/api/chat", ts)),
                    new SignedRequest("POST", "/api/chat", "ts=" + ts, true));
            assertThat(ok.ok()).isTrue();
            assertThat(ok.principal().keyId()).isEqualTo(id);
            assertThat(auth.signature(presented(alice.authorization("POST", "/api/chat", ts - 60)),
                    new SignedRequest("POST", "/api/chat", "ts=" + (ts - 60), true)).ok()).isTrue();

            record Case(String header, SignedRequest request, AuthFailure failure) {}
            for (Case c : List.of(
                    new Case(alice.authorization("POST", "/api/chat", ts), new SignedRequest("POST", "/api/chat", "ts=" + ts, false),
                            AuthFailure.INSECURE),
                    new Case(stranger.authorization("POST", "/api/chat", ts), new SignedRequest("POST", "/api/chat", "ts=" + ts, true),
                            AuthFailure.UNKNOWN),
                    new Case(alice.authorization("POST", "/api/chat", ts), new SignedRequest("POST", "/api/generate", "ts=" + ts, true),
                            AuthFailure.BAD_SIGNATURE),
                    new Case(alice.authorization("POST", "/api/chat", ts), new SignedRequest("PUT", "/api/chat", "ts=" + ts, true),
                            AuthFailure.BAD_SIGNATURE),
                    new Case(alice.authorization("POST", "/api/chat", ts), new SignedRequest("POST", "/api/chat", "ts=" + (ts + 1), true),
                            AuthFailure.BAD_SIGNATURE),
                    new Case(alice.authorization("POST", "/api/chat", ts - 61), new SignedRequest("POST", "/api/chat", "ts=" + (ts - 61), true),
                            AuthFailure.STALE),
                    new Case(alice.authorization("POST", "/api/chat", ts + 61), new SignedRequest("POST", "/api/chat", "ts=" + (ts + 61), true),
                            AuthFailure.STALE),
                    new Case(alice.authorization("POST", "/api/chat", ts), new SignedRequest("POST", "/api/chat", null, true),
                            AuthFailure.STALE))) {
                Authenticator.Result r = auth.signature(presented(c.header()), c.request());
                assertThat(r.ok()).as(c.toString()).isFalse();
                assertThat(r.failure()).as(c.toString()).isEqualTo(c.failure());
            }

            store.revokeKey(id, now);
            keys.refresh();
            assertThat(auth.signature(presented(alice.authorization("GET", "/api/tags", ts)),
                    new SignedRequest("GET", "/api/tags", "ts=" + ts, true)).failure()).isEqualTo(AuthFailure.REVOKED);
        }
    }

    @Test
    void aSignatureAndAKeyTogetherConflict() {
        String sig = OllamaSigner.generate().authorization("GET", "/api/tags", 1);
        assertThat(Credentials.from(AuthenticatorTest.headers("Authorization", sig)).kind()).isEqualTo(Credentials.Kind.SSH);
        assertThat(Credentials.from(AuthenticatorTest.headers("Authorization", sig, "x-api-key", "crl_x")).failure())
                .isEqualTo(AuthFailure.CONFLICTING);
        assertThat(Credentials.from(AuthenticatorTest.headers("Authorization", sig, "Authorization", "Bearer crl_x")).failure())
                .isEqualTo(AuthFailure.CONFLICTING);
        assertThat(Credentials.from(AuthenticatorTest.headers("Authorization", sig, "Authorization", sig)).failure())
                .isEqualTo(AuthFailure.MALFORMED);
        // Where only keys count (the admin API), other credentials are refused as malformed, never thrown on.
        Authenticator keysOnly = new Authenticator(new KeyDirectory(null), new KeyHasher(new byte[32]), Clock.systemUTC());
        for (String other : List.of(sig, "Basic dXNlcjpwYXNz", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")) {
            assertThat(keysOnly.authenticate(presented(other)).failure()).as(other).isEqualTo(AuthFailure.MALFORMED);
        }
    }

    private static Credentials.Presented presented(String header) {
        return Credentials.from(AuthenticatorTest.headers("Authorization", header));
    }

    private static byte[] wire(String type, byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[][] all = new byte[parts.length + 1][];
        all[0] = type.getBytes();
        System.arraycopy(parts, 0, all, 1, parts.length);
        for (byte[] b : all) {
            out.write(b.length >>> 24);
            out.write(b.length >>> 16);
            out.write(b.length >>> 8);
            out.write(b.length);
            out.writeBytes(b);
        }
        return out.toByteArray();
    }
}
