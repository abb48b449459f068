package dev.corral.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.testing.MutableClock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Sessions open, end at sign-out, at their fixed end, and when their admin key stops being one. */
class ConsoleSessionsTest {
    @Test
    void aSessionLastsItsLifetimeAndNoLonger() {
        MutableClock clock = new MutableClock(java.time.Instant.parse("2026-01-01T00:00:00Z"));
        ConsoleSessions s = new ConsoleSessions(clock, id -> true);
        ConsoleSessions.Opened o = s.open("key:abc", "abcabcabcabc");
        assertThat(s.find(o.token())).isPresent();
        assertThat(o.token()).isNotEqualTo(o.session().csrf()).hasSizeGreaterThanOrEqualTo(43);
        clock.advance(ConsoleSessions.LIFETIME.minusSeconds(1));
        assertThat(s.find(o.token())).isPresent();
        clock.advance(Duration.ofSeconds(1));
        assertThat(s.find(o.token())).isEmpty();
        assertThat(s.size()).isZero();
    }

    @Test
    void signOutAndARevokedKeyEndIt() {
        Set<String> active = new HashSet<>(Set.of("k1k1k1k1k1k1"));
        ConsoleSessions s = new ConsoleSessions(new MutableClock(java.time.Instant.EPOCH), active::contains);
        ConsoleSessions.Opened a = s.open("key:k1k1k1k1k1k1", "k1k1k1k1k1k1");
        ConsoleSessions.Opened local = s.open("uid:1000", null);
        ConsoleSessions.Opened b = s.open("key:k1k1k1k1k1k1", "k1k1k1k1k1k1");
        s.end(a.token());
        assertThat(s.find(a.token())).isEmpty();
        assertThat(s.find(b.token())).isPresent();
        active.clear();
        assertThat(s.find(b.token())).as("the key was revoked").isEmpty();
        assertThat(s.find(local.token())).as("a local session has no key to lose").isPresent();
    }

    @Test
    void onlyTheSessionsOwnCsrfTokenMatches() {
        ConsoleSessions s = new ConsoleSessions(new MutableClock(java.time.Instant.EPOCH), id -> true);
        ConsoleSessions.Session one = s.open("uid:1", null).session();
        ConsoleSessions.Session two = s.open("uid:1", null).session();
        assertThat(one.csrfMatches(one.csrf())).isTrue();
        assertThat(one.csrfMatches(two.csrf())).isFalse();
        assertThat(one.csrfMatches(null)).isFalse();
        assertThat(one.csrfMatches("")).isFalse();
        assertThat(s.find("not-a-token")).isEmpty();
        assertThat(s.find(null)).isEmpty();
    }
}
