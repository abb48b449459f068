package dev.corral.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.access.ApiKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Secrets and bodies never reach the audit log: the guard refuses them before anything is written. */
class SecretGuardTest {
    static final String KEY = ApiKey.generate();

    @TempDir
    Path dir;

    static Stream<Arguments> refused() {
        Map<String, Object> huge = new HashMap<>();
        for (int i = 0; i < 20; i++) {
            huge.put("f" + i, "x".repeat(400));
        }
        return Stream.of(
                Arguments.of("a secret by name", Map.of("secret", "s3")),
                Arguments.of("a password", Map.of("password", "hunter2")),
                Arguments.of("a client secret", Map.of("client_secret", "s3")),
                Arguments.of("an api key by name", Map.of("api_key", "abc")),
                Arguments.of("the key itself", Map.of("key", "abc")),
                Arguments.of("a new key", Map.of("new_key", "abc")),
                Arguments.of("a token", Map.of("token", "abc")),
                Arguments.of("a refresh token", Map.of("refresh_token", "abc")),
                Arguments.of("an authorization", Map.of("authorization", "x")),
                Arguments.of("an hmac", Map.of("key_hmac", "00ff")),
                Arguments.of("a private key", Map.of("private_pem", "x")),
                Arguments.of("a request body", Map.of("body", "{}")),
                Arguments.of("a prompt", Map.of("prompt", "hello")),
                Arguments.of("messages", Map.of("messages", List.of("hi"))),
                Arguments.of("a secret nested in a map", Map.of("limits", Map.of("password", "x"))),
                Arguments.of("a secret nested in a list", Map.of("changes", List.of(Map.of("token", "x")))),
                Arguments.of("a key as a value", Map.of("name", KEY)),
                Arguments.of("a key inside a longer value", Map.of("note", "created " + KEY + " for ci")),
                Arguments.of("a bearer header value", Map.of("header", "Bearer abcdefghijklmnopqrstuvwxyz012345")),
                Arguments.of("a PEM block", Map.of("cert", "-----BEGIN PRIVATE KEY-----\nMIIE")),
                Arguments.of("a JWT", Map.of("who", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig")),
                Arguments.of("a char[] password", Map.of("pw_chars", "x".toCharArray())),
                Arguments.of("bytes", Map.of("raw", new byte[] {1, 2})),
                Arguments.of("a double", Map.of("ratio", 0.5)),
                Arguments.of("an arbitrary object", Map.of("record", new Object())),
                Arguments.of("a long string (a body)", Map.of("text", "x".repeat(513))),
                Arguments.of("details over 4 KiB", huge),
                Arguments.of("a very long list", Map.of("items", Collections.nCopies(65, "m"))),
                Arguments.of("a name that is not lower_snake", Map.of("KeyId", "x")),
                Arguments.of("a lone surrogate", Map.of("name", "\uD800x")),
                Arguments.of("an integer JSON cannot keep exactly", Map.of("n", Long.MAX_VALUE)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusedDetailsAreNeverWritten(String what, Map<String, ?> details) throws Exception {
        Path f = dir.resolve(AuditLog.FILE_NAME);
        try (AuditLog log = AuditLog.open(f, Clock.systemUTC())) {
            assertThatThrownBy(() -> log.record("uid:1000", Actions.KEY_CREATE, "aaaaaaaaaaaa", details))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("audit");
            assertThat(log.head().seq()).isZero();
        }
        assertThat(Files.size(f)).isZero();
        assertThatThrownBy(() -> Audit.discarding().record("uid:1000", Actions.KEY_CREATE, "aaaaaaaaaaaa", details))
                .as("the no-op Audit checks the same rules").isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aKeyIsRefusedAsTargetAndAsActorToo() {
        Audit a = Audit.discarding();
        assertThatThrownBy(() -> a.record("uid:1000", Actions.KEY_REVOKE, KEY, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target");
        assertThatThrownBy(() -> a.record("key:" + KEY, Actions.KEY_REVOKE, null, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("actor");
        assertThatThrownBy(() -> a.record("Mallory", Actions.KEY_REVOKE, null, Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> a.record(Audit.SYSTEM, "KeyRevoke", null, Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> a.record(Audit.SYSTEM, Actions.CONFIG_RELOAD, "line\nbreak", Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whatAnEntryShouldSayIsAccepted() throws Exception {
        Path f = dir.resolve(AuditLog.FILE_NAME);
        Map<String, Object> details = new HashMap<>();
        details.put("key_id", "aaaaaaaaaaaa");
        details.put("name", "alice");
        details.put("scopes", List.of("inference", "meta"));
        details.put("models", new ArrayList<>(List.of("llama3*", "qwen2.5:7b")));
        details.put("limits", Map.of("rpm", 60, "tpm", 0, "daily_tokens", 1_000_000L));
        details.put("prompt_tokens", 12);
        details.put("expires_at", null);
        details.put("cert_subject", "CN=gw.example.com");
        details.put("note", "Basic authentication is off");
        try (AuditLog log = AuditLog.open(f, Clock.systemUTC())) {
            log.record(Audit.keyActor("bbbbbbbbbbbb"), Actions.KEY_CREATE, "aaaaaaaaaaaa", details);
            log.record("user:\u00e9mile", Actions.MODEL_PULL, "llama3.2:3b", null);
        }
        AuditVerifier.Result r = AuditVerifier.verify(f, null);
        assertThat(r.ok()).isTrue();
        assertThat(Files.readString(f)).contains("\"daily_tokens\":1000000").contains("\"actor\":\"key:bbbbbbbbbbbb\"")
                .contains("\"details\":{}");
    }
}
