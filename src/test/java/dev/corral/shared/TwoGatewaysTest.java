package dev.corral.shared;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.access.ApiKey;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.sim.SimRecorder;
import dev.corral.store.KeyLimits;
import dev.corral.store.StateDir;
import dev.corral.testing.Eventually;
import dev.corral.testing.RedisServer;
import dev.corral.testing.TestGateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Two gateways, each with its own simulator, sharing limits in one real Redis and the same key
 * (the second's state directory has the first's server secret and a copy of the key's record):
 * 40 parallel streams split over both never get more admitted than one gateway would admit.
 */
class TwoGatewaysTest {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** Slow to start, so no stream ends (and gives back) before all 40 were admitted or refused. */
    static final SimConfig SIM = SimConfig.defaults(new HostPort("127.0.0.1", 0)).withTokens(20).withFirstByteDelayMs(3000);
    static final String BODY = "{\"model\":\"llama3.2:3b\",\"prompt\":\"hello\",\"stream\":true,\"options\":{\"num_predict\":20}}";

    record Pair(TestGateway a, TestGateway b, String key) implements AutoCloseable {
        @Override
        public void close() {
            b.close();
            a.close();
        }
    }

    static Pair start(RedisServer redis, KeyLimits limits) throws Exception {
        Map<String, String> shared = Map.of("limits.shared", redis.url(), "limits.shared_timeout", "2s");
        TestGateway a = TestGateway.start(shared, SIM);
        try {
            String key = a.key("team", limits);
            Path b = Files.createTempDirectory("corral-second-");
            Files.copy(a.stateDir.resolve(StateDir.SECRET_FILE), b.resolve(StateDir.SECRET_FILE), StandardCopyOption.COPY_ATTRIBUTES);
            Map<String, String> o = new HashMap<>(shared);
            o.put("state_dir", b.toString());
            TestGateway second = TestGateway.start(o, SIM);
            second.corral.store().createKey(a.corral.store().findKey(ApiKey.idOf(key)).orElseThrow());
            second.corral.reloadKeys();
            return new Pair(a, second, key);
        } catch (Exception | Error e) {
            a.close();
            throw e;
        }
    }

    static List<Integer> fortyStreams(Pair p) {
        List<CompletableFuture<HttpResponse<String>>> fs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            TestGateway gw = i % 2 == 0 ? p.a() : p.b();
            fs.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(gw.url() + "/api/generate")).timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString(BODY)).header("Authorization", "Bearer " + p.key()).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        return fs.stream().map(f -> f.join().statusCode()).toList();
    }

    static long tokensServed(SimRecorder r) {
        return r.generations().stream().mapToLong(g -> g.promptTokens() + g.tokensSent()).sum();
    }

    @Test
    void fortyStreamsOverTwoGatewaysAgainstATpmThatFitsFiveServeFive() throws Exception {
        RedisServer redis = RedisServer.shared();
        redis.flush();
        // Each stream reserves body bytes / 4 + 20 tokens; the key's tpm fits five of them and not six.
        long need = BODY.length() / 4 + 20;
        try (Pair p = start(redis, new KeyLimits(null, need * 5 + need / 2, null, null, 0, null))) {
            List<Integer> statuses = fortyStreams(p);
            assertThat(statuses.stream().filter(s -> s == 200).count()).isEqualTo(5);
            assertThat(statuses.stream().filter(s -> s == 429).count()).isEqualTo(35);
            assertThat(p.a().seen().generations().size() + p.b().seen().generations().size()).isEqualTo(5);
            assertThat(tokensServed(p.a().seen()) + tokensServed(p.b().seen())).isLessThanOrEqualTo(need * 5 + need / 2);
        }
    }

    @Test
    void aConcurrencyOfTwoHoldsAcrossBothGatewaysAndEverySlotComesBack() throws Exception {
        RedisServer redis = RedisServer.shared();
        redis.flush();
        try (Pair p = start(redis, new KeyLimits(null, null, null, null, 2, null))) {
            List<Integer> statuses = fortyStreams(p);
            assertThat(statuses.stream().filter(s -> s == 200).count()).isEqualTo(2);
            assertThat(statuses.stream().filter(s -> s == 429).count()).isEqualTo(38);
            String id = ApiKey.idOf(p.key());
            Eventually.await("every slot back, in both gateways and in Redis", Duration.ofSeconds(10), () ->
                    p.a().corral.admission().inFlight(id) == 0 && p.b().corral.admission().inFlight(id) == 0
                            && "(nil)".equals(redis.command("HGET " + Keys.slots(id) + " held")));
        }
    }
}
