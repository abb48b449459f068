package dev.corral.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * 7. The gateway from outside, as the hardening guide's smoke test does it: no credentials → 401;
 * admin routes → refused; /api/tags → 200 with its models; and, over https, TLS 1.2 or newer and the
 * certificate's days left; no wildcard CORS; no version banner. Works against any gateway.
 */
public final class GatewayProbe implements Check {
    /** A model name on a reserved domain: if a request ever reaches Ollama, it pulls or deletes nothing. */
    static final String PROBE_MODEL = "corral-doctor.invalid/probe:0";
    private static final String ORIGIN = "https://corral-doctor.invalid";
    private static final Pattern VERSION_BANNER = Pattern.compile("[A-Za-z][A-Za-z0-9._-]*/v?\\d");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public List<Finding> run(Host host, DoctorOptions o) {
        if (o.gateway() == null) {
            return List.of();
        }
        URI base = o.gateway();
        SSLContext tls;
        try {
            tls = GatewayTrust.context(o.insecureTls(), o.caCert());
        } catch (IllegalArgumentException e) {
            return List.of(Finding.skip("gateway.reachable", "The gateway answers", e.getMessage()));
        } catch (GeneralSecurityException | IOException e) {
            return List.of(Finding.skip("gateway.reachable", "The gateway answers", "cannot set up TLS: " + describe(e)));
        }
        HttpClient http = client(tls);
        Set<String> banners = new LinkedHashSet<>();
        List<Finding> out = new ArrayList<>();
        HttpResponse<String> anon;
        try {
            anon = send(http, "GET", base, "/api/tags", null, null, null);
        } catch (IOException e) {
            return List.of(Finding.fail("gateway.reachable", "The gateway answers", base + ": " + describe(e),
                    "check the URL, that the gateway runs, and (https) that its certificate is trusted: --cacert FILE for"
                            + " a private CA, --insecure to skip verification"));
        }
        banner(anon, banners);
        String title = "Requests without credentials are refused";
        out.add(anon.statusCode() == 401 ? Finding.pass("gateway.unauthenticated", title, "GET /api/tags without a key: 401")
                : anon.statusCode() / 100 == 2 ? Finding.fail("gateway.unauthenticated", title,
                        "GET /api/tags without a key: " + anon.statusCode() + ": anyone can use this Ollama",
                        "put an authenticating gateway in front (corral serve) and close Ollama's own port")
                : Finding.warn("gateway.unauthenticated", title, "GET /api/tags without a key: " + anon.statusCode()
                        + " (expected 401)", "answer 401 to missing credentials"));

        out.add(adminRoutes(http, base, o.key(), banners));
        if (o.key() != null) {
            out.add(tags(http, base, o.key(), banners));
        } else {
            out.add(Finding.skip("gateway.tags", "A valid key lists the models", "no --key given"));
        }
        out.add(cors(http, base, o.key(), banners));
        out.add(banners.isEmpty() ? Finding.pass("gateway.banner", "No server version banner", "no Server header with a version")
                : Finding.warn("gateway.banner", "No server version banner", "Server: " + String.join(", ", banners)
                        + " tells scanners which versions to try", "hide it (nginx: server_tokens off; Caddy: header -Server)"));
        if ("https".equalsIgnoreCase(base.getScheme())) {
            out.addAll(tls(base, tls, o.insecureTls()));
        } else if (!isLoopback(base.getHost())) {
            out.add(Finding.fail("gateway.tls.protocol", "The gateway speaks TLS 1.2 or newer", base
                    + " is plain http off this host: keys and prompts cross the network in clear text", "serve https"));
        }
        return out;
    }

    private Finding adminRoutes(HttpClient http, URI base, String key, Set<String> banners) {
        String title = "Admin routes (pull, push, create, delete) are closed";
        String body = "{\"model\":\"" + PROBE_MODEL + "\",\"from\":\"" + PROBE_MODEL + "\",\"stream\":false}";
        List<String> open = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (String[] r : new String[][] {{"POST", "/api/pull"}, {"POST", "/api/push"}, {"POST", "/api/create"},
                {"DELETE", "/api/delete"}}) {
            try {
                HttpResponse<String> resp = send(http, r[0], base, r[1], key, body, null);
                banner(resp, banners);
                int s = resp.statusCode();
                boolean refused = (s == 401 || s == 403 || s == 404 || s == 405) && !resp.body().contains("corral-doctor.invalid");
                (refused ? seen : open).add(r[0] + " " + r[1] + " → " + s);
            } catch (IOException e) {
                open.add(r[0] + " " + r[1] + " → " + describe(e));
            }
        }
        String with = key == null ? " (without a key; give --key to test what a valid key can reach)" : " (with the given key)";
        if (open.isEmpty()) {
            return Finding.pass("gateway.admin_routes", title, String.join(", ", seen) + with);
        }
        return Finding.fail("gateway.admin_routes", title, "reached Ollama or answered: " + String.join(", ", open) + with
                        + "; a caller can pull, push or delete models",
                "refuse these routes at the gateway (Corral answers 404 on them whatever the key)");
    }

    private Finding tags(HttpClient http, URI base, String key, Set<String> banners) {
        String title = "A valid key lists the models";
        try {
            HttpResponse<String> r = send(http, "GET", base, "/api/tags", key, null, null);
            banner(r, banners);
            if (r.statusCode() != 200) {
                return Finding.fail("gateway.tags", title, "GET /api/tags with the key: " + r.statusCode(),
                        "check the key, its scopes, and that Ollama answers behind the gateway");
            }
            JsonNode models = JSON.readTree(r.body()).path("models");
            return Finding.pass("gateway.tags", title, "GET /api/tags with the key: 200, " + models.size() + " model(s)");
        } catch (IOException e) {
            return Finding.fail("gateway.tags", title, "GET /api/tags with the key: " + describe(e), "");
        }
    }

    private Finding cors(HttpClient http, URI base, String key, Set<String> banners) {
        String title = "No wildcard CORS";
        List<String> bad = new ArrayList<>();
        try {
            for (String method : new String[] {"GET", "OPTIONS"}) {
                HttpResponse<String> r = send(http, method, base, "/api/tags", key, null, ORIGIN);
                banner(r, banners);
                Optional<String> allow = r.headers().firstValue("Access-Control-Allow-Origin");
                if (allow.isPresent() && (allow.get().equals("*") || allow.get().equals(ORIGIN))) {
                    bad.add(method + " from " + ORIGIN + " → Access-Control-Allow-Origin: " + allow.get());
                }
            }
        } catch (IOException e) {
            return Finding.skip("gateway.cors", title, describe(e));
        }
        return bad.isEmpty() ? Finding.pass("gateway.cors", title, "a foreign origin gets no Access-Control-Allow-Origin")
                : Finding.fail("gateway.cors", title, String.join("; ", bad) + ": any web page can call the API from a"
                        + " visitor's browser", "allow only your own origins (and unset OLLAMA_ORIGINS=*)");
    }

    private static List<Finding> tls(URI base, SSLContext ctx, boolean insecure) {
        List<Finding> out = new ArrayList<>();
        int port = base.getPort() < 0 ? 443 : base.getPort();
        try {
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(base.getHost(), port)) {
                s.setSoTimeout(10_000);
                SSLParameters p = s.getSSLParameters();
                p.setServerNames(List.of(new javax.net.ssl.SNIHostName(base.getHost())));
                if (!insecure) {
                    p.setEndpointIdentificationAlgorithm("HTTPS");
                }
                s.setSSLParameters(p);
                s.startHandshake();
                String protocol = s.getSession().getProtocol();
                out.add(protocol.equals("TLSv1.3") || protocol.equals("TLSv1.2")
                        ? Finding.pass("gateway.tls.protocol", "The gateway speaks TLS 1.2 or newer", "negotiated " + protocol)
                        : Finding.fail("gateway.tls.protocol", "The gateway speaks TLS 1.2 or newer", "negotiated " + protocol,
                                "allow only TLS 1.2 and 1.3"));
                X509Certificate cert = (X509Certificate) s.getSession().getPeerCertificates()[0];
                long days = ChronoUnit.DAYS.between(Instant.now(), cert.getNotAfter().toInstant());
                String ev = "certificate for " + cert.getSubjectX500Principal().getName() + " expires "
                        + cert.getNotAfter().toInstant() + " (" + days + " days left)";
                out.add(days < 0 ? Finding.fail("gateway.tls.certificate", "The certificate is valid for 14+ days", ev, "renew it")
                        : days < 14 ? Finding.warn("gateway.tls.certificate", "The certificate is valid for 14+ days", ev,
                                "renew it (certbot renew)")
                        : Finding.pass("gateway.tls.certificate", "The certificate is valid for 14+ days", ev));
            }
        } catch (IOException e) {
            out.add(Finding.fail("gateway.tls.protocol", "The gateway speaks TLS 1.2 or newer", "TLS handshake with "
                    + base.getHost() + ":" + port + " failed: " + describe(e), "check the certificate chain; --cacert FILE"
                    + " trusts a private CA, --insecure skips verification"));
        }
        return out;
    }

    private static HttpResponse<String> send(HttpClient http, String method, URI base, String path, String key, String body,
                                             String origin) throws IOException {
        String b = base.toString().replaceAll("/+$", "");
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(b + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("User-Agent", "corral-doctor");
        if (body != null) {
            rb.header("Content-Type", "application/json");
        }
        if (key != null) {
            rb.header("Authorization", "Bearer " + key);
        }
        if (origin != null) {
            rb.header("Origin", origin);
            if (method.equals("OPTIONS")) {
                rb.header("Access-Control-Request-Method", "GET");
            }
        }
        try {
            return http.send(rb.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static void banner(HttpResponse<String> r, Set<String> banners) {
        r.headers().firstValue("Server").filter(s -> VERSION_BANNER.matcher(s).find()).ifPresent(banners::add);
    }

    private static HttpClient client(SSLContext tls) {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls)
                .connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    private static boolean isLoopback(String host) {
        return host != null && (host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1"));
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
