package dev.corral.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.corral.cli.CorralCommand;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.testing.TestGateway;
import dev.corral.tls.SelfSigned;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** The outside smoke test against the real Corral, and against a gateway that lets admin routes through. */
class GatewayProbeTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run doctor(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = CorralCommand.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static String severity(JsonNode report, String id) {
        for (JsonNode f : report.path("findings")) {
            if (f.path("id").asText().equals(id)) {
                return f.path("severity").asText();
            }
        }
        throw new AssertionError("no finding " + id + " in " + report);
    }

    @Test
    void corralPassesTheSmokeTest() throws Exception {
        try (TestGateway gw = TestGateway.start()) {
            String key = gw.inferenceKey();
            gw.seen().clear();
            Run r = doctor("doctor", "--no-host", "--gateway", gw.url(), "--key", key, "--format", "json");
            JsonNode report = JSON.readTree(r.out());
            assertThat(r.code()).as(r.out()).isZero();
            for (String id : List.of("gateway.unauthenticated", "gateway.admin_routes", "gateway.tags", "gateway.cors", "gateway.banner")) {
                assertThat(severity(report, id)).as(id).isEqualTo("pass");
            }
            assertThat(report.toString()).contains("3 model(s)");
            // The probes for admin routes never reached Ollama.
            assertThat(gw.seen().requests()).extracting(dev.corral.sim.SimRecorder.Request::uri)
                    .containsOnly("/api/tags");
        }
    }

    @Test
    void aGatewayThatLetsPullThroughFailsWithTheRightFinding() throws Exception {
        HttpServer leaky = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        leaky.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            boolean authed = ex.getRequestHeaders().getFirst("Authorization") != null;
            int status;
            String body;
            if (path.equals("/api/tags")) {
                status = authed ? 200 : 401;
                body = authed ? "{\"models\":[{\"name\":\"llama3:latest\"}]}" : "{\"error\":\"unauthorized\"}";
            } else if (path.equals("/api/pull")) {
                status = 200;
                body = "{\"status\":\"success\"}";
            } else {
                status = 404;
                body = "{\"error\":\"model 'corral-doctor.invalid/probe:0' not found\"}";
            }
            ex.getResponseHeaders().set("Server", "nginx/1.22.1");
            ex.getResponseHeaders().set("Access-Control-Allow-Origin", "*");
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, b.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(b);
            }
        });
        leaky.start();
        try {
            String url = "http://127.0.0.1:" + leaky.getAddress().getPort();
            Run r = doctor("doctor", "--no-host", "--gateway", url, "--key", "k", "--format", "json");
            assertThat(r.code()).isEqualTo(3);
            JsonNode report = JSON.readTree(r.out());
            assertThat(severity(report, "gateway.unauthenticated")).isEqualTo("pass");
            assertThat(severity(report, "gateway.admin_routes")).isEqualTo("fail");
            assertThat(report.toString()).contains("POST /api/pull → 200").contains("DELETE /api/delete → 404");
            assertThat(severity(report, "gateway.cors")).isEqualTo("fail");
            assertThat(severity(report, "gateway.banner")).isEqualTo("warn");

            Run junit = doctor("doctor", "--no-host", "--gateway", url, "--format", "junit");
            assertThat(junit.code()).isEqualTo(3);
            Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(new ByteArrayInputStream(junit.out().getBytes(StandardCharsets.UTF_8)));
            assertThat(doc.getDocumentElement().getAttribute("failures")).isEqualTo("2");
            assertThat(doc.getElementsByTagName("failure").getLength()).isEqualTo(2);
            assertThat(doc.getElementsByTagName("skipped").getLength()).isEqualTo(1);

            Run table = doctor("doctor", "--no-host", "--gateway", url);
            assertThat(table.out()).contains("FAIL  gateway.admin_routes").contains("fix: ").contains("failed")
                    .doesNotContain("\u001b[");
        } finally {
            leaky.stop(0);
        }
    }

    @Test
    void overHttpsTheProtocolAndTheCertificatesDaysLeftAreChecked() throws Exception {
        Path ks = dir.resolve("gw.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "gw", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=gw.test", "-ext", "SAN=ip:127.0.0.1", "-validity", "10", "-storetype", "PKCS12",
                "-keystore", ks.toString(), "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(ks)) {
            store.load(in, "changeit".toCharArray());
        }
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("PKIX");
        kmf.init(store, "changeit".toCharArray());
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(ctx));
        // the default executor is the dispatcher thread itself: one slow handshake would hold every probe
        java.util.concurrent.ExecutorService handlers = java.util.concurrent.Executors.newCachedThreadPool();
        https.setExecutor(handlers);
        https.createContext("/", ex -> {
            byte[] b = "{\"error\":\"unauthorized\"}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(ex.getRequestURI().getPath().equals("/api/tags") ? 401 : 404, b.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(b);
            }
        });
        https.start();
        try {
            String url = "https://127.0.0.1:" + https.getAddress().getPort();
            JsonNode ok = JSON.readTree(doctor("doctor", "--no-host", "--gateway", url, "--insecure", "--format", "json").out());
            assertThat(severity(ok, "gateway.tls.protocol")).as(ok.toString()).isEqualTo("pass");
            assertThat(severity(ok, "gateway.tls.certificate")).isEqualTo("warn");
            assertThat(ok.toString()).contains("negotiated TLSv1.").contains("days left");
            assertThat(severity(ok, "gateway.admin_routes")).isEqualTo("pass");
            Run untrusted = doctor("doctor", "--no-host", "--gateway", url, "--format", "json");
            assertThat(untrusted.code()).isEqualTo(3);
            assertThat(severity(JSON.readTree(untrusted.out()), "gateway.reachable")).isEqualTo("fail");
        } finally {
            https.stop(0);
            handlers.shutdownNow();
        }
    }

    @Test
    void anUnreachableGatewayFailsAndBadArgumentsAreUsageErrors() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Run r = doctor("doctor", "--no-host", "--gateway", "http://127.0.0.1:" + port, "--format", "json");
        assertThat(r.code()).isEqualTo(3);
        assertThat(severity(JSON.readTree(r.out()), "gateway.reachable")).isEqualTo("fail");
        assertThat(doctor("doctor", "--no-host").code()).isEqualTo(2);
        assertThat(doctor("doctor", "--gateway", "ftp://x", "--no-host").code()).isEqualTo(2);
        assertThat(doctor("doctor", "--format", "yaml").code()).isEqualTo(2);
    }

    @Test
    void corralsConfigIsChecked() throws Exception {
        Path bad = Files.writeString(dir.resolve("corral.yaml"), """
                listen:
                  address: 0.0.0.0:11443
                  insecure_plaintext: true
                policy:
                  allow_cloud_models: true
                trusted_proxies: [0.0.0.0/0]
                """);
        Run r = doctor("doctor", "--no-host", "--config", bad.toString(), "--format", "json");
        assertThat(r.code()).isEqualTo(3);
        JsonNode report = JSON.readTree(r.out());
        assertThat(severity(report, "corral.config.bind")).isEqualTo("fail");
        assertThat(severity(report, "corral.config.cloud")).isEqualTo("warn");
        assertThat(severity(report, "corral.config.trusted_proxies")).isEqualTo("fail");
        Path broken = Files.writeString(dir.resolve("broken.yaml"), "limits:\n  max_body_bytes: huge\n");
        JsonNode b = JSON.readTree(doctor("doctor", "--no-host", "--config", broken.toString(), "--format", "json").out());
        assertThat(severity(b, "corral.config.valid")).isEqualTo("fail");
        Path good = Files.writeString(dir.resolve("good.yaml"), "listen:\n  address: 127.0.0.1:11443\n");
        assertThat(doctor("doctor", "--no-host", "--config", good.toString()).code()).isZero();
    }

    static TestGateway tlsGateway(SelfSigned.Files3 f) throws Exception {
        return TestGateway.start(Map.of("listen.tls.cert", f.cert().toString(), "listen.tls.key", f.key().toString(),
                "listen.tls.reload_interval", "1h"), SimConfig.defaults(new HostPort("127.0.0.1", 0)));
    }

    @Test
    void aGatewayWithItsOwnCaIsCheckedWithCacertAndOnlyThatCaIsTrusted() throws Exception {
        SelfSigned.Files3 f = SelfSigned.write("localhost", 30, dir.resolve("own"));
        SelfSigned.Files3 other = SelfSigned.write("localhost", 30, dir.resolve("other"));
        Path bundle = Files.writeString(dir.resolve("bundle.pem"), "# two CAs, ours second\n" + Files.readString(other.ca())
                + "\n" + Files.readString(f.ca()));
        try (TestGateway gw = tlsGateway(f)) {
            String url = "https://localhost:" + gw.port();
            String key = gw.inferenceKey();
            Run ok = doctor("doctor", "--no-host", "--gateway", url, "--key", key, "--cacert", f.ca().toString(), "--format", "json");
            assertThat(ok.code()).as(ok.out() + ok.err()).isZero();
            JsonNode report = JSON.readTree(ok.out());
            for (String id : List.of("gateway.unauthenticated", "gateway.tags", "gateway.tls.protocol", "gateway.tls.certificate")) {
                assertThat(severity(report, id)).as(id).isEqualTo("pass");
            }
            Run several = doctor("doctor", "--no-host", "--gateway", url, "--key", key, "--cacert", bundle.toString());
            assertThat(several.code()).as("a bundle of several CAs: " + several.out() + several.err()).isZero();

            // The JDK's CAs do not know this one, and --cacert replaces them rather than adding to them.
            for (List<String> extra : List.of(List.<String>of(), List.of("--cacert", other.ca().toString()))) {
                List<String> args = new java.util.ArrayList<>(List.of("doctor", "--no-host", "--gateway", url, "--format", "json"));
                args.addAll(extra);
                Run refused = doctor(args.toArray(String[]::new));
                assertThat(refused.code()).as(extra.toString()).isEqualTo(3);
                assertThat(severity(JSON.readTree(refused.out()), "gateway.reachable")).isEqualTo("fail");
            }
        }
    }

    @Test
    void insecureSkipsTheHostNameCheckLikeCurlK() throws Exception {
        SelfSigned.Files3 f = SelfSigned.write("gw.internal", 30, dir.resolve("named")); // not valid for 127.0.0.1
        try (TestGateway gw = tlsGateway(f)) {
            String url = "https://127.0.0.1:" + gw.port();
            Run insecure = doctor("doctor", "--no-host", "--gateway", url, "--key", gw.inferenceKey(), "--insecure", "--format", "json");
            assertThat(insecure.code()).as(insecure.out()).isZero();
            JsonNode report = JSON.readTree(insecure.out());
            assertThat(severity(report, "gateway.unauthenticated")).isEqualTo("pass");
            assertThat(severity(report, "gateway.tags")).isEqualTo("pass");
            assertThat(severity(report, "gateway.tls.protocol")).isEqualTo("pass");
            assertThat(report.toString()).contains("CN=gw.internal");

            // Verifying (--cacert) still checks the name: the right CA, the wrong host.
            Run verified = doctor("doctor", "--no-host", "--gateway", url, "--cacert", f.ca().toString(), "--format", "json");
            assertThat(verified.code()).isEqualTo(3);
            JsonNode v = JSON.readTree(verified.out());
            assertThat(severity(v, "gateway.reachable")).isEqualTo("fail");
            assertThat(v.toString()).contains("127.0.0.1");
        }
    }

    @Test
    void aMissingOrEmptyCacertIsAUsageErrorNamingTheFile() throws Exception {
        Path missing = dir.resolve("nope.pem");
        Path keyOnly = Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\nMIGHAgEA\n-----END PRIVATE KEY-----\n");
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        String gw = "https://gw.example.invalid";
        Run r = doctor("doctor", "--no-host", "--gateway", gw, "--cacert", missing.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("corral: --cacert " + missing + ": file not found; give the PEM file of the CA that signed"
                + " the gateway's certificate (ca.pem from `corral tls self-signed`)\n");
        r = doctor("doctor", "--no-host", "--gateway", gw, "--cacert", keyOnly.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--cacert " + keyOnly + ": no certificate in it").contains("-----BEGIN CERTIFICATE-----")
                .doesNotContain("Exception").hasLineCount(1);
        r = doctor("doctor", "--no-host", "--gateway", gw, "--cacert", garbage.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--cacert " + garbage + ": certificate 1 is not a valid X.509 certificate").hasLineCount(1);
        assertThat(doctor("doctor", "--no-host", "--gateway", gw, "--cacert", garbage.toString(), "--insecure").err())
                .contains("--cacert and --insecure contradict each other");
        assertThat(doctor("doctor", "--config", garbage.toString(), "--cacert", garbage.toString()).err())
                .contains("--cacert applies to --gateway");
    }
}
