package dev.corral.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.store.Scope;
import dev.corral.testing.Browser;
import dev.corral.testing.Eventually;
import dev.corral.testing.SocketTunnel;
import dev.corral.testing.TestGateway;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real browser (headless chromium): sign in, create a key and read its secret once,
 * use it with a real client and see its usage, revoke it and see the client refused, watch a live
 * stream and cancel it, verify the audit chain and see a tampered log shown broken. Each page is
 * screenshotted to target/console-screenshots/, and no page logs an error in the browser's console.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
    static TestGateway gw;
    static ChromeDriver driver;
    static String adminKey;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        driver = Browser.start();
        gw = TestGateway.start(Map.of(), SimConfig.defaults(new HostPort("127.0.0.1", 0)));
        adminKey = gw.key("ops", EnumSet.of(Scope.ADMIN), List.of(), null);
    }

    @AfterAll
    static void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (gw != null) {
            gw.close();
        }
    }

    @BeforeEach
    void desktop() {
        driver.manage().window().setSize(new Dimension(1280, 800));
    }

    @AfterEach
    void noConsoleErrors() {
        assertThat(Browser.consoleErrors(driver)).as("errors in the browser's console").isEmpty();
    }

    static String console() {
        return "http://127.0.0.1:" + gw.corral.adminAddress().getPort() + "/console/";
    }

    static WebDriverWait waiting() {
        // the live view redraws every second, the others after each change: an element may go stale between looks
        WebDriverWait w = new WebDriverWait(driver, Duration.ofSeconds(15));
        w.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
        return w;
    }

    static WebElement visible(String css) {
        return waiting().until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
    }

    static void open(String view) {
        driver.get(console() + "#" + view);
        visible("#view[data-view='" + view + "']");
    }

    /** Signs in through the form unless the browser already holds a session. */
    static void signIn() {
        driver.get(console());
        waiting().until(d -> d.findElement(By.id("signin")).isDisplayed() || d.findElement(By.id("nav")).isDisplayed());
        if (driver.findElement(By.id("signin")).isDisplayed()) {
            driver.findElement(By.id("signin-key")).sendKeys(adminKey);
            driver.findElement(By.id("signin-submit")).click();
            visible("#nav");
        }
    }

    /** Picks a date range in the usage view (the inputs take what a user types, in the browser's date format). */
    static void range(String from, String to) {
        driver.executeScript("document.getElementById('usage-from').value = arguments[0];"
                + "document.getElementById('usage-to').value = arguments[1];", from, to);
        driver.findElement(By.id("usage-apply")).click();
    }

    static HttpResponse<String> generate(String key) throws Exception {
        return gw.post("/api/generate", key, "{\"model\":\"llama3.2:3b\",\"prompt\":\"hello there\",\"stream\":false}");
    }

    @Test
    @Order(1)
    void signInCreateAKeyReadItOnceUseItSeeItsUsageAndRevokeIt() throws Exception {
        driver.get(console());
        visible("#signin-key");
        Browser.screenshot(driver, "sign-in");
        driver.findElement(By.id("signin-key")).sendKeys(adminKey);
        driver.findElement(By.id("signin-submit")).click();
        visible("#overview-cards .card");
        waiting().until(d -> d.findElements(By.cssSelector("#overview-cards .card")).size() >= 8);
        assertThat(driver.findElement(By.id("actor")).getText()).contains("key:" + adminKey.substring(4, 16));
        assertThat(driver.findElement(By.id("overview-cards")).getText()).contains("reachable");
        Browser.screenshot(driver, "overview");

        open("keys");
        visible("#key-new").click();
        visible("#new-key-name").sendKeys("team-a");
        driver.findElement(By.id("new-key-rpm")).sendKeys("600");
        driver.findElement(By.id("new-key-create")).click();
        String secret = visible("#secret-value").getAttribute("value");
        assertThat(secret).startsWith("crl_");
        Browser.screenshot(driver, "key-created");
        driver.findElement(By.id("secret-done")).click();
        waiting().until(ExpectedConditions.invisibilityOfElementLocated(By.id("secret-once")));
        assertThat(driver.getPageSource()).doesNotContain(secret);
        driver.navigate().refresh();
        visible("#view[data-view='keys'] tr[data-key]");
        waiting().until(d -> d.findElement(By.id("key-list")).getText().contains("team-a"));
        assertThat(driver.getPageSource()).as("never shown again").doesNotContain(secret);
        assertThat(driver.findElement(By.id("key-list")).getText()).contains("rpm 600");
        driver.findElement(By.id("key-search")).sendKeys("team");
        waiting().until(d -> d.findElements(By.cssSelector("#key-list tr[data-key]")).size() == 1);
        Browser.screenshot(driver, "keys");

        HttpResponse<String> used = generate(secret);
        assertThat(used.statusCode()).as(used.body()).isEqualTo(200);
        // the usage record is written; its day (UTC) is where the date range below is set, whatever the clock says now
        java.time.LocalDate usedOn = gw.usage().get(0).time().atZone(java.time.ZoneOffset.UTC).toLocalDate();

        open("usage");
        waiting().until(d -> d.findElement(By.id("usage-out")).getText().contains("team-a"));
        assertThat(driver.findElements(By.cssSelector("#usage-out .uplot"))).as("the chart drew").isNotEmpty();
        Browser.screenshot(driver, "usage");
        String weekAgo = usedOn.minusDays(7).toString();
        range(weekAgo, usedOn.minusDays(1).toString());
        waiting().until(d -> d.findElement(By.id("usage-out")).getText().contains("No requests in this range."));
        assertThat(driver.findElement(By.id("usage-out")).getText()).doesNotContain("team-a");
        range(weekAgo, usedOn.toString());
        waiting().until(d -> d.findElement(By.id("usage-out")).getText().contains("team-a"));

        open("keys");
        String row = "tr[data-key='" + secret.substring(4, 16) + "']";
        visible(row + " .key-usage").click();
        waiting().until(d -> d.findElement(By.id("key-usage")).getText().contains("Requests"));
        Browser.screenshot(driver, "key-usage");
        visible(row + " .key-revoke").click();
        visible("#revoke-confirm").click();
        waiting().until(d -> d.findElement(By.cssSelector(row)).getText().contains("revoked"));
        assertThat(generate(secret).statusCode()).as("the revoked key is refused").isEqualTo(401);
        gw.usage();

        open("overview");
        visible("#overview-hour .uplot");
        waiting().until(d -> d.findElement(By.id("overview-refusals")).getText().contains("401 no or wrong key"));
        Browser.screenshot(driver, "overview-after");
    }

    @Test
    @Order(2)
    void rotatingShowsTheNewSecretOnce() throws Exception {
        signIn();
        String old = gw.inferenceKey();
        String id = old.substring(4, 16);
        open("keys");
        visible("tr[data-key='" + id + "'] .key-rotate").click();
        visible("#rotate-grace");
        new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("rotate-grace"))).selectByValue("0s");
        driver.findElement(By.id("rotate-confirm")).click();
        String fresh = visible("#secret-value").getAttribute("value");
        assertThat(fresh).startsWith("crl_" + id).isNotEqualTo(old);
        driver.findElement(By.id("secret-done")).click();
        assertThat(driver.getPageSource()).doesNotContain(fresh);
        assertThat(generate(fresh).statusCode()).isEqualTo(200);
        assertThat(generate(old).statusCode()).as("no grace: the old secret stops now").isEqualTo(401);

        visible("tr[data-key='" + id + "'] .key-access").click();
        visible("#access-models").sendKeys("qwen2.5:7b");
        driver.findElement(By.id("access-save")).click();
        waiting().until(d -> d.findElement(By.cssSelector("tr[data-key='" + id + "']")).getText().contains("qwen2.5:7b"));
        assertThat(generate(fresh).statusCode()).as("llama3.2:3b is no longer this key's").isEqualTo(403);
    }

    @Test
    @Order(3)
    void aLiveStreamAppearsAndIsCancelled() throws Exception {
        signIn();
        String key = gw.inferenceKey();
        HttpRequest req = HttpRequest.newBuilder(URI.create(gw.url() + "/api/generate"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .header("X-Sim-Tokens", "100000").header("X-Sim-Tokens-Per-Second", "5")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3.2:3b\",\"prompt\":\"a long story\"}")).build();
        CompletableFuture<Long> lines = HTTP.sendAsync(req, HttpResponse.BodyHandlers.ofLines())
                .thenApplyAsync(r -> r.body().count());
        open("live");
        String shown = waiting().until(d -> d.findElement(By.cssSelector("tr.live-row")).getText());
        assertThat(shown).contains(key.substring(4, 16), "llama3.2:3b");
        Browser.screenshot(driver, "live");
        waiting().until(d -> {
            d.findElement(By.cssSelector("tr.live-row .live-cancel")).click();
            return true;
        });
        Eventually.await("Ollama told to stop", Duration.ofSeconds(10), () -> gw.seen().cancellations().size() == 1);
        try {
            lines.get(10, TimeUnit.SECONDS); // the client's stream ended
        } catch (java.util.concurrent.ExecutionException e) {
            // the connection was closed under the client: also an end
        }
        waiting().until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("tr.live-row"), 0));
        assertThat(gw.corral.audit().head().seq()).isPositive();
    }

    @Test
    @Order(3)
    void aModelIsPulledWithProgressAndDeletedAfterAConfirmation() throws Exception {
        signIn();
        open("models");
        visible("tr.model-row[data-model='llama3.2:3b']");
        visible("#pull-name").sendKeys("tinyllama:1.1b");
        driver.findElement(By.id("pull-start")).click();
        waiting().until(d -> d.findElement(By.id("pull-status")).getText().contains("Pulled tinyllama:1.1b"));
        assertThat(driver.findElement(By.id("pull-progress")).getAttribute("value")).isEqualTo("1");
        visible("tr.model-row[data-model='tinyllama:1.1b']");
        Browser.screenshot(driver, "models");
        visible("tr.model-row[data-model='tinyllama:1.1b'] .model-delete").click();
        visible("#delete-confirm").click();
        waiting().until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("tr.model-row[data-model='tinyllama:1.1b']"), 0));
        assertThat(driver.findElements(By.cssSelector("tr.model-row[data-model='llama3.2:3b']"))).hasSize(1);

        driver.findElement(By.id("pull-name")).sendKeys("evil.example/team/model:1b");
        driver.findElement(By.id("pull-start")).click();
        assertThat(visible("#message").getText()).as("policy's refusal is shown").contains("evil.example");
        // the browser logs every refused call; this one, and only it, is expected
        assertThat(Browser.consoleErrors(driver)).singleElement().asString().contains("/admin/v1/models/pull", "403");
    }

    @Test
    @Order(4)
    void everyPageFitsAPhone() throws Exception {
        signIn();
        driver.manage().window().setSize(new Dimension(390, 844));
        for (String view : List.of("overview", "keys", "usage", "live", "models", "audit")) {
            open(view);
            visible("#view[aria-busy='false']"); // the view's data has arrived
            Browser.screenshot(driver, "phone-" + view);
            Number overflow = (Number) driver.executeScript(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
            assertThat(overflow.intValue()).as(view + " scrolls sideways on a phone").isLessThanOrEqualTo(0);
        }
    }

    @Test
    @Order(4)
    void theDarkSchemeIsFollowed() throws Exception {
        signIn();
        String light = (String) driver.executeScript("return getComputedStyle(document.body).backgroundColor;");
        driver.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("features",
                List.of(Map.of("name", "prefers-color-scheme", "value", "dark"))));
        try {
            open("keys");
            String dark = (String) driver.executeScript("return getComputedStyle(document.body).backgroundColor;");
            assertThat(light).isEqualTo("rgb(255, 255, 255)");
            assertThat(dark).isEqualTo("rgb(13, 17, 23)");
            visible("tr[data-key]");
            Browser.screenshot(driver, "keys-dark");
        } finally {
            driver.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("features",
                    List.of(Map.of("name", "prefers-color-scheme", "value", "light"))));
        }
    }

    @Test
    @Order(5)
    void throughATunnelToTheAdminSocketTheConsoleSignsInByItself() throws Exception {
        try (SocketTunnel tunnel = SocketTunnel.to(gw.corral.adminSocket())) {
            String base = "http://localhost:" + tunnel.port();
            driver.get(base + "/console/#keys");
            visible("#view[data-view='keys'] tr[data-key]");
            assertThat(driver.findElement(By.id("actor")).getText()).containsPattern("Signed in as (uid|user):");
            assertThat(driver.findElement(By.id("signin")).isDisplayed()).isFalse();

            String sessionless = raw(tunnel, "GET /admin/v1/keys HTTP/1.1\r\nHost: localhost\r\nOrigin: " + base
                    + "\r\nConnection: close\r\n\r\n");
            assertThat(sessionless).as("a page's call on the socket needs a session").startsWith("HTTP/1.1 403");
            String cli = raw(tunnel, "GET /admin/v1/keys HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            assertThat(cli).as("the CLI's calls are as before").startsWith("HTTP/1.1 200");
            String rebound = raw(tunnel, "POST /console/session HTTP/1.1\r\nHost: evil.example:" + tunnel.port()
                    + "\r\nOrigin: http://evil.example:" + tunnel.port() + "\r\nContent-Type: application/json"
                    + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
            assertThat(rebound).as("a DNS-rebound name gets no local session").startsWith("HTTP/1.1 403").doesNotContain("Set-Cookie");
            driver.manage().deleteAllCookies();
        }
    }

    static String raw(SocketTunnel tunnel, String request) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", tunnel.port())) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    @Order(6)
    void theAuditChainIsVerifiedAndATamperedLogShownBroken() throws Exception {
        signIn();
        open("audit");
        WebElement banner = visible("#audit-verify.ok");
        assertThat(banner.getText()).contains("Chain intact");
        waiting().until(d -> d.findElements(By.cssSelector("tr.audit-row")).size() > 3);
        assertThat(driver.findElement(By.id("audit-entries")).getText())
                .contains("key.revoke", "key.rotate", "request.cancel", "model.pull", "model.delete");
        Browser.screenshot(driver, "audit");

        Path log = gw.corral.audit().file();
        byte[] all = Files.readAllBytes(log);
        String text = new String(all, StandardCharsets.UTF_8);
        int second = text.indexOf('\n') + 1; // line 2 (seq 2)
        int at = text.indexOf("\"time\":\"", second) + "\"time\":\"20".length();
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "rw")) {
            f.seek(at);
            f.write(all[at] == '2' ? '1' : '2'); // one digit of seq 2's year: same length, different entry
        }
        driver.findElement(By.id("audit-reverify")).click();
        banner = visible("#audit-verify.bad");
        assertThat(banner.getText()).contains("Chain broken", "line 2 (seq 2)", "hash mismatch");
        driver.findElement(By.cssSelector("#audit-filter button[type='submit']")).click();
        visible("tr.audit-row.bad[data-seq='2']");
        Browser.screenshot(driver, "audit-broken");
    }
}
