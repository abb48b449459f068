package dev.corral.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.corral.admin.AdminClient;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.testing.Eventually;
import dev.corral.testing.PostgresServer;
import dev.corral.testing.TestGateway;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL stopped and started under load: requests keep flowing on the keys the server holds,
 * their usage records wait in the journal and are all written once PostgreSQL is back (records sent
 * = records stored), and a key change made meanwhile fails with an error that says why.
 */
class PostgresOutageTest {
    private static final String GENERATE = "{\"model\":\"llama3.2:3b\",\"prompt\":\"hello there\",\"stream\":false}";
    private static final int CLIENTS = 4;

    @Test
    void requestsFlowThroughAnOutageAndEveryRecordIsStoredWhenPostgresReturns() throws Exception {
        PostgresServer pg = PostgresServer.get();
        String db = pg.newDatabase();
        try (TestGateway gw = TestGateway.start(Map.of("store", pg.url(db), "store_password_file", pg.passwordFile().toString()),
                SimConfig.defaults(new HostPort("127.0.0.1", 0)))) {
            String key = gw.inferenceKey();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger served = new AtomicInteger();
            ConcurrentLinkedQueue<Integer> otherStatuses = new ConcurrentLinkedQueue<>();
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                Thread t = new Thread(() -> {
                    while (!stop.get()) {
                        try {
                            HttpResponse<String> r = gw.post("/api/generate", key, GENERATE);
                            if (r.statusCode() == 200) {
                                served.incrementAndGet();
                            } else {
                                otherStatuses.add(r.statusCode());
                            }
                        } catch (Exception e) {
                            otherStatuses.add(-1);
                        }
                    }
                });
                t.start();
                clients.add(t);
            }
            try {
                Eventually.await("some requests served", Duration.ofSeconds(30), () -> served.get() >= 50);
                pg.stop();
                int atStop = served.get();
                Eventually.await("requests served while PostgreSQL is down", Duration.ofSeconds(30), () -> served.get() >= atStop + 100);

                AdminClient admin = new AdminClient(gw.corral.adminSocket(), Duration.ofSeconds(10));
                AdminClient.Response created = admin.call("POST", "/admin/v1/keys",
                        JsonNodeFactory.instance.objectNode().put("name", "during-outage"));
                assertThat(created.status()).isEqualTo(503);
                // Which hint depends on how the store's connection learnt of the stop: refused when it
                // connects anew, or cut by the server's shutdown if the server's notice reached it first.
                assertThat(created.body().path("error").asText()).contains("the store is not available")
                        .contains(pg.url(db) + ": create key")
                        .containsAnyOf("is PostgreSQL running", "PostgreSQL is stopping or restarting: try again when it is back");

                pg.start();
                int atStart = served.get();
                Eventually.await("requests served after PostgreSQL returned", Duration.ofSeconds(30), () -> served.get() >= atStart + 50);
            } finally {
                stop.set(true);
                for (Thread t : clients) {
                    t.join();
                }
                pg.start();
            }
            assertThat(otherStatuses).as("every request was answered 200").isEmpty();
            int sent = served.get();
            assertThat(gw.usage()).as("records the server holds for the store").hasSize(sent);
            try (Connection c = pg.connect(db); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT COUNT(*), COUNT(DISTINCT request_id) FROM usage")) {
                rs.next();
                assertThat(rs.getInt(1)).as("usage rows in PostgreSQL").isEqualTo(sent);
                assertThat(rs.getInt(2)).isEqualTo(sent);
            }
        }
    }
}
