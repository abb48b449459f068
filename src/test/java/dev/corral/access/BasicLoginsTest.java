package dev.corral.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.store.Credential;
import dev.corral.store.Scope;
import dev.corral.store.SqliteStore;
import dev.corral.store.StateDir;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BasicLoginsTest {
    @TempDir
    Path dir;

    static String bcrypt(String version, String password, int cost) {
        byte[] salt = new byte[16];
        new java.security.SecureRandom().nextBytes(salt);
        return OpenBSDBCrypt.generate(version, password.getBytes(StandardCharsets.UTF_8), salt, cost);
    }

    record Setup(SqliteStore store, KeyDirectory keys, KeyHasher hasher, KeyIssuer issuer) {
        String user(String user, String hash) {
            String id = issuer.create(user, EnumSet.of(Scope.INFERENCE), List.of(), null).record().id();
            store.putCredential(new Credential(Credential.BASIC, user, id, hash, Instant.now()));
            keys.refresh();
            return id;
        }
    }

    Setup setup() {
        StateDir state = StateDir.open(dir.resolve("state"));
        KeyHasher hasher = new KeyHasher(state.serverSecret());
        SqliteStore store = SqliteStore.open(state);
        KeyDirectory keys = new KeyDirectory(store);
        keys.refresh();
        return new Setup(store, keys, hasher, new KeyIssuer(store, hasher, Clock.systemUTC()));
    }

    @Test
    void caddysHashesOfAnyVersionAndCostMatchTheirPasswordAndNothingElse() throws Exception {
        Setup s = setup();
        try (SqliteStore db = s.store(); BasicLogins logins = new BasicLogins(s.keys(), s.hasher(), Clock.systemUTC(), 2, 8, Duration.ofMinutes(5))) {
            String a = s.user("alice", bcrypt("2a", "correct horse", 4));
            String b = s.user("bob", bcrypt("2b", "battery staple", 5));
            s.user("yan", bcrypt("2y", "pw-yan-1", 4));
            assertThat(logins.check("alice", "correct horse").get().entry().record().id()).isEqualTo(a);
            assertThat(logins.check("bob", "battery staple").get().entry().record().id()).isEqualTo(b);
            assertThat(logins.check("yan", "pw-yan-1").get().verdict()).isEqualTo(BasicLogins.Verdict.MATCH);
            assertThat(logins.check("alice", "battery staple").get().verdict()).isEqualTo(BasicLogins.Verdict.NO_MATCH);
            assertThat(logins.check("alice", "correct horse ").get().verdict()).isEqualTo(BasicLogins.Verdict.NO_MATCH);
            assertThat(logins.check("carol", "correct horse").get().verdict()).isEqualTo(BasicLogins.Verdict.NO_MATCH);
            assertThat(s.keys().basicCost()).isEqualTo(5);
            assertThat(BasicLogins.costOf("$2a$14$" + "a".repeat(53))).isEqualTo(14);
            assertThat(BasicLogins.costOf("$1$abc")).isEqualTo(-1);
        }
    }

    @Test
    void aMatchIsRememberedUntilTheUsersHashChanges() throws Exception {
        Setup s = setup();
        try (SqliteStore db = s.store(); BasicLogins logins = new BasicLogins(s.keys(), s.hasher(), Clock.systemUTC(), 1, 8, Duration.ofMinutes(5))) {
            String id = s.user("alice", bcrypt("2b", "first password", 4));
            assertThat(logins.check("alice", "first password").get().verdict()).isEqualTo(BasicLogins.Verdict.MATCH);
            CompletableFuture<BasicLogins.Checked> again = logins.check("alice", "first password");
            assertThat(again.isDone()).as("remembered: answered at once").isTrue();
            assertThat(logins.bcryptChecks()).as("remembered: no bcrypt").isEqualTo(1);
            // A new hash for the user (a password change): the old password is checked afresh, and fails.
            s.store().putCredential(new Credential(Credential.BASIC, "alice", id, bcrypt("2b", "second password", 4), Instant.now()));
            s.keys().refresh();
            CompletableFuture<BasicLogins.Checked> old = logins.check("alice", "first password");
            assertThat(old.get().verdict()).isEqualTo(BasicLogins.Verdict.NO_MATCH);
            assertThat(logins.check("alice", "second password").get().verdict()).isEqualTo(BasicLogins.Verdict.MATCH);
        }
        Setup t = setup();
        try (SqliteStore db2 = t.store(); BasicLogins forgetful = new BasicLogins(t.keys(), t.hasher(), Clock.systemUTC(), 1, 8, Duration.ZERO)) {
            t.user("dora", bcrypt("2b", "dora's pw", 4));
            assertThat(forgetful.check("dora", "dora's pw").get().verdict()).isEqualTo(BasicLogins.Verdict.MATCH);
            assertThat(forgetful.bcryptChecks()).isEqualTo(1);
            assertThat(forgetful.check("dora", "dora's pw").get().verdict()).isEqualTo(BasicLogins.Verdict.MATCH);
            assertThat(forgetful.bcryptChecks()).as("remember 0s: checked every time").isEqualTo(2);
        }
    }

    @Test
    void aFullPoolAnswersBusyAtOnceInsteadOfQueueingWithoutEnd() throws Exception {
        Setup s = setup();
        try (SqliteStore db = s.store(); BasicLogins logins = new BasicLogins(s.keys(), s.hasher(), Clock.systemUTC(), 1, 2, Duration.ofMinutes(5))) {
            s.user("alice", bcrypt("2b", "pw-alice", 10));
            List<CompletableFuture<BasicLogins.Checked>> flood = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                flood.add(logins.check("alice", "wrong-" + i));
            }
            long busy = flood.stream().filter(f -> f.isDone() && f.join().verdict() == BasicLogins.Verdict.BUSY).count();
            assertThat(busy).as("one running, two waiting, the rest refused").isGreaterThanOrEqualTo(17);
            CompletableFuture.allOf(flood.toArray(CompletableFuture[]::new)).get();
            assertThat(flood).allMatch(f -> f.join().verdict() != BasicLogins.Verdict.MATCH);
            assertThat(logins.check("alice", "pw-alice").get().verdict()).isEqualTo(BasicLogins.Verdict.MATCH);
        }
    }

    /** As Caddy does: an unknown user costs a bcrypt check of the users' cost, so timing does not tell who exists. */
    @Test
    void anUnknownUserTakesAsLongAsAKnownOne() throws Exception {
        Setup s = setup();
        try (SqliteStore db = s.store(); BasicLogins logins = new BasicLogins(s.keys(), s.hasher(), Clock.systemUTC(), 1, 8, Duration.ofMinutes(5))) {
            s.user("alice", bcrypt("2b", "pw-alice", 10));
            logins.check("nobody", "x").get(); // the dummy hash is made once per cost
            long[] known = new long[7];
            long[] unknown = new long[7];
            for (int i = 0; i < known.length; i++) {
                long t0 = System.nanoTime();
                assertThat(logins.check("alice", "wrong").get().verdict()).isEqualTo(BasicLogins.Verdict.NO_MATCH);
                known[i] = System.nanoTime() - t0;
                long t1 = System.nanoTime();
                assertThat(logins.check("nobody-" + i, "wrong").get().verdict()).isEqualTo(BasicLogins.Verdict.NO_MATCH);
                unknown[i] = System.nanoTime() - t1;
            }
            Arrays.sort(known);
            Arrays.sort(unknown);
            double ratio = (double) unknown[3] / known[3];
            assertThat(ratio).as("median unknown / median known").isBetween(0.33, 3.0);
        }
    }
}
