package dev.corral.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Store} does, run against each store (SQLite and PostgreSQL): keys and their
 * changes, credentials, the keys version, idempotent all-or-none usage batches, and the usage reads
 * budgets and reports rely on. A subclass opens a fresh, empty store.
 */
abstract class StoreContract {
    static final Instant T = Instant.parse("2025-03-01T12:00:00Z");

    Store store;

    abstract Store openEmpty() throws Exception;

    @BeforeEach
    void open() throws Exception {
        store = openEmpty();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    static KeyRecord key(String id) {
        return new KeyRecord(id, "name " + id, new byte[] {1, 2, 3, (byte) id.hashCode()}, Set.of(Scope.INFERENCE, Scope.META),
                List.of("llama3*", "qwen2.5:7b"), T, T.plusSeconds(3600), null, new KeyLimits(60L, null, 1000L, null, 2, 3));
    }

    static UsageRecord rec(String requestId, String keyId, Instant at, long prompt, long completion, String outcome) {
        return new UsageRecord(at, requestId, keyId, "chat", "m1", outcome.equals("refused") ? 429 : 200, outcome, prompt,
                completion, 12, 34, 56, "key");
    }

    @Test
    void aKeyComesBackAsItWasStored() {
        KeyRecord k = key("k1");
        store.createKey(k);
        KeyRecord back = store.findKey("k1").orElseThrow();
        assertThat(back).usingRecursiveComparison().isEqualTo(k);
        assertThat(store.listKeys()).extracting(KeyRecord::id).containsExactly("k1");
        assertThat(store.findKey("nope")).isEmpty();
        assertThatThrownBy(() -> store.createKey(k)).isInstanceOf(StoreException.class);
    }

    @Test
    void everyKeyChangeMovesTheVersionAndANoOpDoesNot() {
        long v0 = store.keysVersion();
        store.createKey(key("k1"));
        long v1 = store.keysVersion();
        assertThat(v1).isGreaterThan(v0);
        assertThat(store.updateKeyLimits("k1", new KeyLimits(1L, 2L, 3L, 4L, 5, 6))).isTrue();
        assertThat(store.findKey("k1").orElseThrow().limits()).isEqualTo(new KeyLimits(1L, 2L, 3L, 4L, 5, 6));
        long v2 = store.keysVersion();
        assertThat(v2).isGreaterThan(v1);
        assertThat(store.updateKeyAccess("k1", Set.of(Scope.ADMIN), List.of())).isTrue();
        KeyRecord changed = store.findKey("k1").orElseThrow();
        assertThat(changed.scopes()).containsExactly(Scope.ADMIN);
        assertThat(changed.models()).isEmpty();
        long v3 = store.keysVersion();
        assertThat(v3).isGreaterThan(v2);
        Instant until = T.plusSeconds(600);
        assertThat(store.rotateKey("k1", new byte[] {9, 9}, changed.hmac(), until)).isTrue();
        KeyRecord rotated = store.findKey("k1").orElseThrow();
        assertThat(rotated.hmac()).containsExactly(9, 9);
        assertThat(rotated.rotation().previousHmac()).isEqualTo(changed.hmac());
        assertThat(rotated.rotation().until()).isEqualTo(until);
        long v4 = store.keysVersion();
        assertThat(v4).isGreaterThan(v3);
        assertThat(store.revokeKey("k1", T.plusSeconds(5))).isTrue();
        assertThat(store.findKey("k1").orElseThrow().revokedAt()).isEqualTo(T.plusSeconds(5));
        long v5 = store.keysVersion();
        assertThat(v5).isGreaterThan(v4);
        // No-ops: nothing changed, nothing to reload.
        assertThat(store.revokeKey("k1", T.plusSeconds(9))).isFalse();
        assertThat(store.revokeKey("nope", T)).isFalse();
        assertThat(store.updateKeyAccess("k1", Set.of(Scope.META), List.of())).isFalse(); // revoked
        assertThat(store.rotateKey("k1", new byte[] {1}, null, null)).isFalse();
        assertThat(store.updateKeyLimits("nope", KeyLimits.DEFAULTS)).isFalse();
        assertThat(store.keysVersion()).isEqualTo(v5);
    }

    @Test
    void credentialsAreAddedReplacedAndRemovedAndOnlyForKeysThatExist() {
        store.createKey(key("k1"));
        store.createKey(key("k2"));
        long v = store.keysVersion();
        assertThat(store.putCredential(new Credential(Credential.BASIC, "ann", "k1", "$2a$10$hash1", T))).isTrue();
        assertThat(store.putCredential(new Credential(Credential.SSH, "AAAAC3", "k2", "ssh-ed25519 AAAAC3 ann@x", T.plusSeconds(1)))).isTrue();
        assertThat(store.putCredential(new Credential(Credential.BASIC, "ann", "k2", "$2a$10$hash2", T.plusSeconds(2)))).isTrue();
        assertThat(store.putCredential(new Credential(Credential.BASIC, "bob", "nope", "$2a$10$x", T))).isFalse();
        assertThat(store.keysVersion()).isGreaterThan(v);
        assertThat(store.listCredentials()).containsExactly(
                new Credential(Credential.SSH, "AAAAC3", "k2", "ssh-ed25519 AAAAC3 ann@x", T.plusSeconds(1)),
                new Credential(Credential.BASIC, "ann", "k2", "$2a$10$hash2", T.plusSeconds(2)));
        long before = store.keysVersion();
        assertThat(store.removeCredential(Credential.SSH, "AAAAC3")).isTrue();
        assertThat(store.keysVersion()).isGreaterThan(before);
        assertThat(store.removeCredential(Credential.SSH, "AAAAC3")).isFalse();
        assertThat(store.listCredentials()).extracting(Credential::ident).containsExactly("ann");
    }

    @Test
    void usageIsIdempotentByRequestIdAndTheFirstWriteWins() {
        store.insertUsage(List.of(rec("a", "k1", T, 1, 1, "completed"), rec("b", "k1", T, 2, 2, "completed")));
        store.insertUsage(List.of(rec("b", "k1", T, 2, 2, "completed"), rec("c", "k1", T, 3, 3, "completed"),
                rec("a", "k1", T, 99, 99, "completed")));
        List<UsageRecord> all = store.usageSince(Instant.EPOCH, null);
        assertThat(all).extracting(UsageRecord::requestId).containsExactly("a", "b", "c");
        assertThat(all.get(0)).isEqualTo(rec("a", "k1", T, 1, 1, "completed"));
        store.insertUsage(List.of());
        assertThat(store.usageSince(Instant.EPOCH, null)).hasSize(3);
    }

    @Test
    void unknownTokenCountsAreKeptAsUnknownAndCountAsZero() {
        store.insertUsage(List.of(new UsageRecord(T, "u", "k1", null, null, 499, "interrupted", -1, -1, 5, 6, 7)));
        UsageRecord back = store.usageSince(Instant.EPOCH, "k1").get(0);
        assertThat(back.promptTokens()).isEqualTo(-1);
        assertThat(back.completionTokens()).isEqualTo(-1);
        assertThat(back.auth()).isNull();
        assertThat(store.tokensSince("k1", Instant.EPOCH)).isZero();
        assertThat(store.usageTotals(Instant.EPOCH, null, "route")).containsExactly(new Store.UsageTotals("-", 1, 0, 0, 0));
    }

    @Test
    void readsAndTotalsGroupAsReportsExpect() {
        Instant day2 = T.plusSeconds(86_400 + 61);
        store.insertUsage(List.of(
                rec("1", "k1", T, 10, 5, "completed"),
                rec("2", "k1", T.plusSeconds(30), 1, 2, "completed"),
                rec("3", "k2", T.plusSeconds(90), 0, 0, "refused"),
                new UsageRecord(day2, "4", "k2", "generate", "m2", 200, "completed", 7, 8, 1, 1, 1, "ssh")));
        assertThat(store.tokensSince("k1", Instant.EPOCH)).isEqualTo(18);
        assertThat(store.tokensSince("k1", T.plusSeconds(1))).isEqualTo(3);
        assertThat(store.tokensSince("k2", Instant.EPOCH)).isEqualTo(15);
        assertThat(store.usageSince(T.plusSeconds(60), null)).extracting(UsageRecord::requestId).containsExactly("3", "4");
        assertThat(store.usageSince(Instant.EPOCH, "k2")).extracting(UsageRecord::requestId).containsExactly("3", "4");
        assertThat(store.usageTotals(Instant.EPOCH, null, "total")).containsExactly(new Store.UsageTotals("total", 4, 1, 18, 15));
        assertThat(store.usageTotals(Instant.EPOCH, null, "day")).containsExactly(
                new Store.UsageTotals("2025-03-01", 3, 1, 11, 7), new Store.UsageTotals("2025-03-02", 1, 0, 7, 8));
        assertThat(store.usageTotals(Instant.EPOCH, null, "minute")).containsExactly(
                new Store.UsageTotals("2025-03-01T12:00", 2, 0, 11, 7), new Store.UsageTotals("2025-03-01T12:01", 1, 1, 0, 0),
                new Store.UsageTotals("2025-03-02T12:01", 1, 0, 7, 8));
        assertThat(store.usageTotals(Instant.EPOCH, null, "key")).extracting(Store.UsageTotals::group).containsExactly("k1", "k2");
        assertThat(store.usageTotals(Instant.EPOCH, null, "model")).extracting(Store.UsageTotals::group).containsExactly("m1", "m2");
        assertThat(store.usageTotals(Instant.EPOCH, null, "route")).extracting(Store.UsageTotals::group).containsExactly("chat", "generate");
        assertThat(store.usageTotals(Instant.EPOCH, null, "status")).extracting(Store.UsageTotals::group).containsExactly("200", "429");
        assertThat(store.usageTotals(Instant.EPOCH, day2, "k2", "total")).containsExactly(new Store.UsageTotals("total", 1, 1, 0, 0));
        assertThat(store.usageTotals(day2.plusSeconds(1), null, "total")).isEmpty();
    }
}
