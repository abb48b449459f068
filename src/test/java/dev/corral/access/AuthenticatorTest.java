package dev.corral.access;

import dev.corral.store.Scope;
import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.access.Credentials.Presented;
import dev.corral.store.SqliteStore;
import dev.corral.store.StateDir;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthenticatorTest {
    @TempDir
    Path dir;

    static HttpHeaders headers(String... nv) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (int i = 0; i < nv.length; i += 2) {
            h.add(nv[i], nv[i + 1]);
        }
        return h;
    }

    @Test
    void credentialsAreReadFromBearerOrXApiKeyAndNothingElse() {
        assertThat(Credentials.from(headers("Authorization", "Bearer abc")).key()).isEqualTo("abc");
        assertThat(Credentials.from(headers("Authorization", "bearer   abc ")).key()).isEqualTo("abc");
        assertThat(Credentials.from(headers("x-api-key", "abc")).key()).isEqualTo("abc");
        assertThat(Credentials.from(headers()).failure()).isEqualTo(AuthFailure.MISSING);
        for (HttpHeaders bad : List.of(headers("Authorization", "Basic abc"), headers("Authorization", "Bearer a b"),
                headers("Authorization", "Bearer"), headers("Authorization", "Bearer \u00e9t\u00e9"),
                headers("Authorization", "Bearer a", "Authorization", "Bearer a"),
                headers("Authorization", "Bearer a", "x-api-key", "a"), headers("x-api-key", ""))) {
            assertThat(Credentials.from(bad).failure()).as(bad.toString()).isEqualTo(AuthFailure.MALFORMED);
        }
    }

    @Test
    void keysAreStoredOnlyAsHmacsAndCheckedForRevocationAndExpiry() throws Exception {
        StateDir state = StateDir.open(dir.resolve("state"));
        KeyHasher hasher = new KeyHasher(state.serverSecret());
        Instant now = Instant.parse("2026-11-23T12:00:00Z");
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        try (SqliteStore store = SqliteStore.open(state)) {
            KeyIssuer issuer = new KeyIssuer(store, hasher, clock);
            String good = issuer.create("good", EnumSet.of(Scope.INFERENCE), List.of(), null).key();
            String soon = issuer.create("soon", EnumSet.of(Scope.META), List.of("llama*"), now.plusSeconds(60)).key();
            String gone = issuer.create("gone", EnumSet.of(Scope.META), List.of(), null).key();
            store.revokeKey(ApiKey.idOf(gone), now);
            KeyDirectory keys = new KeyDirectory(store);
            keys.refresh();

            Authenticator at = new Authenticator(keys, hasher, clock);
            Authenticator.Result ok = at.authenticate(Presented.of(good));
            assertThat(ok.ok()).isTrue();
            assertThat(ok.principal().keyId()).isEqualTo(ApiKey.idOf(good));
            assertThat(at.authenticate(Presented.of(soon)).principal().models().allows("llama3")).isTrue();
            assertThat(at.authenticate(Presented.of(gone)).failure()).isEqualTo(AuthFailure.REVOKED);
            Authenticator later = new Authenticator(keys, hasher, Clock.fixed(now.plusSeconds(61), ZoneOffset.UTC));
            assertThat(later.authenticate(Presented.of(soon)).failure()).isEqualTo(AuthFailure.EXPIRED);
            String forged = good.substring(0, 17) + "B".repeat(43);
            assertThat(at.authenticate(Presented.of(forged)).failure()).isEqualTo(AuthFailure.UNKNOWN);
            assertThat(at.authenticate(Presented.of("sk-something")).failure()).isEqualTo(AuthFailure.MALFORMED);
        }
        byte[] db = Files.readAllBytes(dir.resolve("state").resolve("corral.db"));
        String text = new String(db, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(text).doesNotContain("crl_");
        assertThat(HexFormat.of().formatHex(db)).isNotEmpty();
    }

    @Test
    void aConnectionsRememberedHashNeverRemembersTheDecision() throws Exception {
        StateDir state = StateDir.open(dir.resolve("memo"));
        KeyHasher hasher = new KeyHasher(state.serverSecret());
        Clock clock = Clock.fixed(Instant.parse("2026-11-23T12:00:00Z"), ZoneOffset.UTC);
        try (SqliteStore store = SqliteStore.open(state)) {
            KeyIssuer issuer = new KeyIssuer(store, hasher, clock);
            String a = issuer.create("a", EnumSet.of(Scope.INFERENCE), List.of(), null).key();
            String b = issuer.create("b", EnumSet.of(Scope.INFERENCE), List.of(), null).key();
            KeyDirectory keys = new KeyDirectory(store);
            keys.refresh();
            Authenticator at = new Authenticator(keys, hasher, clock);
            KeyHashMemo memo = new KeyHashMemo();
            // the same hash as without a memo, for a key, another key, and the first again
            for (String k : List.of(a, b, a, a)) {
                assertThat(memo.hash(k, hasher)).isEqualTo(hasher.hash(k));
                assertThat(at.authenticate(Presented.of(k), memo).principal().keyId()).isEqualTo(ApiKey.idOf(k));
            }
            // a forged secret for a's id after a's real one: the memo must not vouch for it
            String forged = a.substring(0, 17) + "B".repeat(43);
            assertThat(at.authenticate(Presented.of(forged), memo).failure()).isEqualTo(AuthFailure.UNKNOWN);
            assertThat(at.authenticate(Presented.of(a), memo).ok()).isTrue();
            // revoked while the connection stays open: refused on its very next request
            store.revokeKey(ApiKey.idOf(a), clock.instant());
            keys.refresh();
            assertThat(at.authenticate(Presented.of(a), memo).failure()).isEqualTo(AuthFailure.REVOKED);
        }
    }

    @Test
    void keyFormat() {
        String k = ApiKey.generate();
        assertThat(k).hasSize(ApiKey.LENGTH).startsWith("crl_");
        assertThat(ApiKey.idOf(k)).hasSize(12);
        assertThat(ApiKey.idOf(k + "x")).isNull();
        assertThat(ApiKey.idOf("crl_AAAAAAAAAAAA_" + "a".repeat(43))).isNull();
        assertThat(ApiKey.generate()).isNotEqualTo(k);
    }
}
