package dev.corral.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.net.TurnEnd;
import dev.corral.store.UsageRecord;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Begin lines made on an event loop are written together at the end of the loop's turn, before the
 * writes that turn put off (the requests to Ollama), and a request that ends in the turn that
 * admitted it leaves nothing open behind.
 */
class JournalTurnTest {
    private static final Instant T = Instant.parse("2025-03-01T12:00:00.123Z");
    private Path root;
    private DefaultEventLoopGroup group;
    private EventLoop loop;

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createTempDirectory("corral-journal-").resolve("usage-journal");
        group = new DefaultEventLoopGroup(1);
        loop = group.next();
    }

    @AfterEach
    void tearDown() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        try (Stream<Path> walk = Files.walk(root.getParent())) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private <T> T onLoop(Callable<T> c) throws Exception {
        return loop.submit(c).get(5, TimeUnit.SECONDS);
    }

    private String journalText(UsageJournal j) throws Exception {
        StringBuilder b = new StringBuilder();
        try (Stream<Path> s = Files.list(j.directory())) {
            for (Path p : s.filter(p -> p.toString().endsWith(".jnl")).sorted().toList()) {
                b.append(Files.readString(p, StandardCharsets.ISO_8859_1));
            }
        }
        return b.toString();
    }

    @Test
    void theTurnsBeginLinesAreWrittenBeforeTheWritesTheTurnPutOff() throws Exception {
        UsageJournal j = UsageJournal.open(root, 1 << 20);
        List<String> seenAtFlush = new ArrayList<>();
        EmbeddedChannel upstream = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) throws Exception {
                seenAtFlush.add(journalText(j)); // what Ollama would find in the journal when the request leaves
                ctx.flush();
            }
        });
        String during = onLoop(() -> {
            TurnEnd turn = TurnEnd.current();
            assertThat(turn).isNotNull();
            j.begin("r1", T, "k", "key", "chat", "m", 10, 3, 100);
            turn.flush(upstream); // r1 goes to Ollama at the end of this turn
            j.begin("r2", T, "k", "key", "chat", "m", 10, 3, 100);
            turn.flush(upstream);
            return journalText(j);
        });
        assertThat(during).as("nothing written during the turn").doesNotContain("\"begin\"");
        onLoop(() -> null); // the turn has ended
        assertThat(seenAtFlush).hasSize(2).allSatisfy(text -> assertThat(text).contains("\"begin\":\"r1\"", "\"begin\":\"r2\""));
        assertThat(j.openBegins()).isEqualTo(2);
        upstream.finishAndReleaseAll();
        j.close();
    }

    @Test
    void aRequestThatEndsInTheTurnThatAdmittedItLeavesNothingOpen() throws Exception {
        UsageJournal j = UsageJournal.open(root, 1 << 20);
        UsageJournal.Pending p = onLoop(() -> {
            j.begin("quick", T, "k", "key", "chat", "m", 10, 3, 100);
            return j.finished(new UsageRecord(T, "quick", "k", "chat", "m", 499, "client_gone", -1, -1, 1, 10, 0));
        });
        onLoop(() -> null);
        assertThat(j.openBegins()).isZero();
        assertThat(journalText(j)).contains("\"begin\":\"quick\"");
        j.journal(List.of(p));
        j.stored(p);
        j.close();
        assertThat(j.directory()).as("every line settled: the instance directory is gone").doesNotExist();
    }

    @Test
    void offTheEventLoopTheLineIsWrittenAtOnce() throws Exception {
        UsageJournal j = UsageJournal.open(root, 1 << 20);
        j.begin("r1", T, "k", "key", "chat", "m", 10, 3, 100);
        assertThat(journalText(j)).contains("\"begin\":\"r1\"");
        assertThat(j.openBegins()).isEqualTo(1);
        j.close();
    }
}
