package dev.corral.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.access.ApiKey;
import dev.corral.config.ConfigException;
import dev.corral.config.ConfigLoader;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.testing.TestGateway;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS termination: protocols and suites, HSTS, ALPN, reload without restart, client certificates. */
class TlsTest {
    @TempDir
    Path dir;

    static SSLContext trusting(Path caPem, Path clientCert, Path clientKey) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(caPem)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (clientCert != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            List<? extends java.security.cert.Certificate> chain;
            try (InputStream in = Files.newInputStream(clientCert)) {
                chain = List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
            }
            String pem = Files.readString(clientKey).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            java.security.PrivateKey key = java.security.KeyFactory.getInstance("EC")
                    .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(java.util.Base64.getDecoder().decode(pem)));
            ks.setKeyEntry("client", key, "x".toCharArray(), chain.toArray(new java.security.cert.Certificate[0]));
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, "x".toCharArray());
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    static HttpResponse<String> get(SSLContext ctx, String url, String key) throws Exception {
        HttpClient c = HttpClient.newBuilder().sslContext(ctx).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    TestGateway tlsGateway(SelfSigned.Files3 f, Map<String, String> extra) throws Exception {
        Map<String, String> o = new HashMap<>(Map.of("listen.tls.cert", f.cert().toString(), "listen.tls.key", f.key().toString(),
                "listen.tls.reload_interval", "1h"));
        o.putAll(extra);
        return TestGateway.start(o, SimConfig.defaults(new HostPort("127.0.0.1", 0)));
    }

    static X509Certificate served(SSLContext ctx, int port) throws Exception {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("localhost", port)) {
            s.startHandshake();
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }

    @Test
    void servesHttpsWithHstsAndTheSameGatewayBehind() throws Exception {
        SelfSigned.Files3 f = SelfSigned.write("localhost", 5, dir.resolve("a"));
        try (TestGateway gw = tlsGateway(f, Map.of())) {
            SSLContext ctx = trusting(f.ca(), null, null);
            String url = "https://localhost:" + gw.port();
            HttpResponse<String> anon = get(ctx, url + "/api/tags", null);
            assertThat(anon.statusCode()).isEqualTo(401);
            assertThat(anon.headers().firstValue("strict-transport-security")).hasValue("max-age=31536000");
            HttpResponse<String> ok = get(ctx, url + "/api/tags", gw.inferenceKey());
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("strict-transport-security")).isPresent();
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("localhost", gw.port())) {
                var p = s.getSSLParameters();
                p.setApplicationProtocols(new String[] {"h2", "http/1.1"});
                s.setSSLParameters(p);
                s.startHandshake();
                assertThat(s.getSession().getProtocol()).isIn("TLSv1.3", "TLSv1.2");
                assertThat(s.getApplicationProtocol()).isEqualTo("http/1.1");
            }
        }
    }

    @Test
    void plainHttpSentToTheTlsPortGets400NamingTheHttpsUrlThenTheConnectionCloses() throws Exception {
        SelfSigned.Files3 f = SelfSigned.write("localhost", 5, dir.resolve("p"));
        try (TestGateway gw = tlsGateway(f, Map.of())) {
            try (dev.corral.testing.RawClient raw = gw.raw()) {
                raw.send("GET /api/tags HTTP/1.1\r\nHost: localhost:" + gw.port() + "\r\nUser-Agent: curl\r\n\r\n");
                dev.corral.testing.RawClient.Response r = raw.read();
                assertThat(r.status()).isEqualTo(400);
                assertThat(r.header("connection")).isEqualTo("close");
                assertThat(r.body()).isEqualTo("This port speaks HTTPS: use https://localhost:" + gw.port() + "/ (not http://).\n");
                assertThat(raw.socket().getInputStream().read()).as("closed after the answer").isEqualTo(-1);
            }
            // without a usable Host header, the address the client reached
            try (dev.corral.testing.RawClient raw = gw.raw()) {
                raw.send("POST /api/chat HTTP/1.0\r\n\r\n");
                assertThat(raw.read().body()).contains("use https://127.0.0.1:" + gw.port() + "/");
            }
            // bytes that do not look like HTTP still go to TLS, which refuses them without an HTTP answer
            try (dev.corral.testing.RawClient raw = gw.raw()) {
                raw.send(new byte[] {0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5});
                byte[] back = raw.socket().getInputStream().readAllBytes();
                assertThat(new String(back, StandardCharsets.ISO_8859_1)).doesNotContain("HTTP/1.1");
            }
            // and real TLS clients are served as before, on the same port
            assertThat(get(trusting(f.ca(), null, null), "https://localhost:" + gw.port() + "/api/tags", gw.inferenceKey())
                    .statusCode()).isEqualTo(200);
            assertThat(gw.seen().requests()).noneMatch(req -> req.uri().startsWith("/api/chat"));
        }
    }

    @Test
    void aPlainHttpClientStillSendingItsBodyToTheTlsPortReadsThe400RatherThanAReset() throws Exception {
        SelfSigned.Files3 f = SelfSigned.write("localhost", 5, dir.resolve("b"));
        byte[] body = new byte[512 * 1024];
        java.util.Arrays.fill(body, (byte) 'a');
        try (TestGateway gw = tlsGateway(f, Map.of())) {
            for (int i = 0; i < 20; i++) {
                try (java.net.Socket s = new java.net.Socket("127.0.0.1", gw.port())) {
                    s.setSoTimeout(10_000);
                    java.io.OutputStream out = s.getOutputStream();
                    out.write(("POST /api/generate HTTP/1.1\r\nHost: localhost:" + gw.port()
                            + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(body); // all of it before reading, as a client that does not expect an early answer
                    out.flush();
                    byte[] answer = s.getInputStream().readAllBytes();
                    assertThat(new String(answer, StandardCharsets.ISO_8859_1)).as("attempt %d", i)
                            .startsWith("HTTP/1.1 400 ").endsWith("(not http://).\n");
                }
            }
        }
    }

    @Test
    void onlyTls12And13WithForwardSecretAeadSuites() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "the openssl command is not installed");
        SelfSigned.Files3 f = SelfSigned.write("localhost", 5, dir.resolve("b"));
        try (TestGateway gw = tlsGateway(f, Map.of())) {
            String at = "127.0.0.1:" + gw.port();
            assertThat(sClient(at, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")).doesNotContain("Cipher is ECDHE");
            assertThat(sClient(at, "-tls1", "-cipher", "DEFAULT@SECLEVEL=0")).doesNotContain("Cipher is ECDHE");
            assertThat(sClient(at, "-tls1_2", "-cipher", "AES128-SHA")).contains("Cipher is (NONE)");          // RSA key exchange, CBC
            assertThat(sClient(at, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA")).contains("Cipher is (NONE)"); // CBC
            assertThat(sClient(at, "-tls1_2")).contains("Cipher is ECDHE-ECDSA-AES");
            assertThat(sClient(at, "-tls1_3")).contains("TLSv1.3");
        }
    }

    static String sClient(String at, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl", "s_client", "-connect", at, "-servername", "localhost"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(20, TimeUnit.SECONDS);
        return out;
    }

    @Test
    void aRenewedCertificateIsServedWithoutARestartAndABrokenOneIsIgnored() throws Exception {
        Path live = dir.resolve("live");
        SelfSigned.Files3 first = SelfSigned.write("localhost", 5, live);
        try (TestGateway gw = tlsGateway(first, Map.of())) {
            ReloadingTls tls = reloader(gw);
            X509Certificate before = served(trusting(first.ca(), null, null), gw.port());
            SelfSigned.Files3 renewed = SelfSigned.write("localhost", 20, dir.resolve("renewed"));
            Files.copy(renewed.cert(), first.cert(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(renewed.key(), first.key(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.setLastModifiedTime(first.cert(), java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
            assertThat(tls.refresh()).isTrue();
            X509Certificate after = served(trusting(renewed.ca(), null, null), gw.port());
            assertThat(after.getSerialNumber()).isNotEqualTo(before.getSerialNumber());
            // a broken renewal: the key no longer matches; the renewed certificate stays in service
            Files.writeString(first.key(), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
            Files.setLastModifiedTime(first.key(), java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 9000));
            assertThat(tls.refresh()).isFalse();
            assertThat(served(trusting(renewed.ca(), null, null), gw.port()).getSerialNumber()).isEqualTo(after.getSerialNumber());
            assertThat(Files.readString(gw.stateDir.resolve("audit.log")).lines().filter(l -> l.contains("\"tls.reload\"")))
                    .as("the one reload that put a certificate in service is audited").hasSize(1);
        }
    }

    static ReloadingTls reloader(TestGateway gw) throws Exception {
        var f = dev.corral.server.GatewayServer.class.getDeclaredMethod("tls");
        return (ReloadingTls) f.invoke(gw.corral.server());
    }

    @Test
    void clientCertificatesAuthenticateMachinesWithoutABearerKey() throws Exception {
        SelfSigned.Files3 server = SelfSigned.write("localhost", 5, dir.resolve("srv"));
        SelfSigned.Files3 bot = SelfSigned.write("build-bot", 5, dir.resolve("bot"));
        SelfSigned.Files3 stranger = SelfSigned.write("build-bot", 5, dir.resolve("stranger"));
        Path state = dir.resolve("state");
        String botKey;
        dev.corral.store.StateDir sd = dev.corral.store.StateDir.open(state);
        try (var store = dev.corral.store.SqliteStore.open(sd)) {
            botKey = new dev.corral.access.KeyIssuer(store, new dev.corral.access.KeyHasher(sd.serverSecret()), java.time.Clock.systemUTC())
                    .create("build-bot", java.util.EnumSet.of(dev.corral.store.Scope.INFERENCE), List.of(), null).key();
        }
        String yaml = "listen:\n  address: 127.0.0.1:0\n  tls:\n    cert: " + server.cert() + "\n    key: " + server.key()
                + "\n    client_ca: " + bot.ca() + "\n    client_auth: optional\n    client_cert_keys:\n      \"CN=build-bot\": "
                + ApiKey.idOf(botKey) + "\n";
        Path cfg = Files.writeString(dir.resolve("mtls.yaml"), yaml);
        try (var sim = dev.corral.sim.Simulator.start(SimConfig.defaults(new HostPort("127.0.0.1", 0)))) {
            var settings = new ConfigLoader(Map.of()).load(cfg, Map.of("upstream.url", "http://127.0.0.1:" + sim.port(),
                    "state_dir", state.toString(), "admin.listen", "off"));
            try (var corral = dev.corral.Corral.start(settings)) {
                String url = "https://localhost:" + corral.address().getPort() + "/api/tags";
                assertThat(get(trusting(server.ca(), bot.cert(), bot.key()), url, null).statusCode()).isEqualTo(200);
                assertThat(get(trusting(server.ca(), null, null), url, null).statusCode()).isEqualTo(401);
                assertThat(get(trusting(server.ca(), null, null), url, botKey).statusCode()).isEqualTo(200);
                // same subject, but not signed by the configured client CA: the handshake refuses it
                assertThatThrownBy(() -> get(trusting(server.ca(), stranger.cert(), stranger.key()), url, null))
                        .isInstanceOf(java.io.IOException.class);
                // a revoked key stops its certificate too
                corral.store().revokeKey(ApiKey.idOf(botKey), java.time.Instant.now());
                corral.reloadKeys();
                assertThat(get(trusting(server.ca(), bot.cert(), bot.key()), url, null).statusCode()).isEqualTo(401);
            }
        }
    }

    @Test
    void requiredClientCertificatesRefuseHandshakesWithoutOne() throws Exception {
        SelfSigned.Files3 server = SelfSigned.write("localhost", 5, dir.resolve("rsrv"));
        SelfSigned.Files3 client = SelfSigned.write("machine", 5, dir.resolve("rcli"));
        try (TestGateway gw = tlsGateway(server, Map.of("listen.tls.client_ca", client.ca().toString(),
                "listen.tls.client_auth", "required"))) {
            String url = "https://localhost:" + gw.port() + "/api/version";
            assertThatThrownBy(() -> get(trusting(server.ca(), null, null), url, gw.inferenceKey()))
                    .isInstanceOf(java.io.IOException.class);
            // with a certificate from the client CA and a key, it works (the certificate maps to no key here)
            assertThat(get(trusting(server.ca(), client.cert(), client.key()), url, gw.inferenceKey()).statusCode()).isEqualTo(200);
            assertThat(get(trusting(server.ca(), client.cert(), client.key()), url, null).statusCode()).isEqualTo(401);
        }
    }

    @Test
    void configuringTlsIsCheckedFieldByField() throws Exception {
        SelfSigned.Files3 f = SelfSigned.write("localhost", 5, dir.resolve("c"));
        assertThatThrownBy(() -> new ConfigLoader(Map.of("CORRAL_LISTEN_TLS_CERT", f.cert().toString())).load(null, Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("listen.tls.key: missing");
        assertThatThrownBy(() -> new ConfigLoader(Map.of("CORRAL_LISTEN_TLS_CERT", "/nope.pem", "CORRAL_LISTEN_TLS_KEY",
                f.key().toString())).load(null, Map.of())).hasMessageContaining("CORRAL_LISTEN_TLS_CERT (listen.tls.cert): file not found: /nope.pem");
        assertThatThrownBy(() -> new ConfigLoader(Map.of("CORRAL_LISTEN_TLS_CERT", f.cert().toString(), "CORRAL_LISTEN_TLS_KEY",
                f.key().toString(), "CORRAL_LISTEN_TLS_CLIENT_AUTH", "required")).load(null, Map.of()))
                .hasMessageContaining("CORRAL_LISTEN_TLS_CLIENT_AUTH (listen.tls.client_auth): required needs listen.tls.client_ca");
        // a public bind is allowed with TLS, and needs no insecure_plaintext
        var s = new ConfigLoader(Map.of("CORRAL_LISTEN_ADDRESS", "0.0.0.0:11443", "CORRAL_LISTEN_TLS_CERT", f.cert().toString(),
                "CORRAL_LISTEN_TLS_KEY", f.key().toString())).load(null, Map.of());
        assertThat(s.warnings()).noneMatch(w -> w.contains("plain HTTP"));
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a key");
        var bad = new ConfigLoader(Map.of("CORRAL_LISTEN_TLS_CERT", f.cert().toString(), "CORRAL_LISTEN_TLS_KEY",
                garbage.toString())).load(null, Map.of());
        assertThatThrownBy(() -> TlsContexts.build(bad.tls())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("PKCS#8");
    }
}
