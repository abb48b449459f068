package dev.corral.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The console's origin, browser and host decisions, without a network. */
class BrowserChecksTest {
    @Test
    void onlyTheListenersOwnOriginIsSameOrigin() {
        assertThat(BrowserChecks.sameOrigin(null, null, "127.0.0.1:11444", false)).as("a same-origin GET sends no Origin").isTrue();
        assertThat(BrowserChecks.sameOrigin("http://127.0.0.1:11444", "same-origin", "127.0.0.1:11444", false)).isTrue();
        assertThat(BrowserChecks.sameOrigin("http://LOCALHOST:8080", null, "localhost:8080", false)).isTrue();
        assertThat(BrowserChecks.sameOrigin("https://admin.example:11444", null, "admin.example:11444", true)).isTrue();
        assertThat(BrowserChecks.sameOrigin("http://admin.example:11444", null, "admin.example:11444", true))
                .as("plain http is another origin than the TLS listener").isFalse();
        assertThat(BrowserChecks.sameOrigin("http://evil.example", null, "127.0.0.1:11444", false)).isFalse();
        assertThat(BrowserChecks.sameOrigin("http://127.0.0.1:11445", null, "127.0.0.1:11444", false)).isFalse();
        assertThat(BrowserChecks.sameOrigin("null", null, "127.0.0.1:11444", false)).as("a sandboxed page").isFalse();
        assertThat(BrowserChecks.sameOrigin("http://127.0.0.1:11444", null, null, false)).isFalse();
        assertThat(BrowserChecks.sameOrigin(null, "cross-site", "127.0.0.1:11444", false)).isFalse();
        assertThat(BrowserChecks.sameOrigin(null, "same-site", "127.0.0.1:11444", false)).isFalse();
        assertThat(BrowserChecks.sameOrigin(null, "none", "127.0.0.1:11444", false)).as("the user typed the address").isTrue();
    }

    @Test
    void aBrowserIsToldByItsHeaders() {
        assertThat(BrowserChecks.fromBrowser(null, null)).as("curl, the CLI").isFalse();
        assertThat(BrowserChecks.fromBrowser(null, "none")).isFalse();
        assertThat(BrowserChecks.fromBrowser("http://localhost:8080", null)).isTrue();
        assertThat(BrowserChecks.fromBrowser(null, "same-origin")).isTrue();
        assertThat(BrowserChecks.fromBrowser(null, "cross-site")).isTrue();
    }

    @Test
    void onlyLoopbackNamesAreLocal() {
        assertThat(BrowserChecks.loopbackHost("localhost:8080")).isTrue();
        assertThat(BrowserChecks.loopbackHost("127.0.0.1")).isTrue();
        assertThat(BrowserChecks.loopbackHost("127.1.2.3:9")).isTrue();
        assertThat(BrowserChecks.loopbackHost("[::1]:8080")).isTrue();
        assertThat(BrowserChecks.loopbackHost("localhost.evil.example:8080")).as("DNS rebinding").isFalse();
        assertThat(BrowserChecks.loopbackHost("evil.example")).isFalse();
        assertThat(BrowserChecks.loopbackHost("127.0.0.1.evil.example")).isFalse();
        assertThat(BrowserChecks.loopbackHost("[::1]evil")).isFalse();
        assertThat(BrowserChecks.loopbackHost(null)).isFalse();
    }

    @Test
    void theSessionTokenIsReadFromTheCookieHeader() {
        assertThat(BrowserChecks.sessionToken("a=b; corral_session=tok-1; c=d")).isEqualTo("tok-1");
        assertThat(BrowserChecks.sessionToken("a=b")).isNull();
        assertThat(BrowserChecks.sessionToken(null)).isNull();
    }
}
