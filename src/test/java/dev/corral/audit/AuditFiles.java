package dev.corral.audit;

import dev.corral.testing.MutableClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Writes small real audit logs for the tests, one minute apart from 2025-06-01T12:00:00Z. */
final class AuditFiles {
    static final Instant START = Instant.parse("2025-06-01T12:00:00Z");

    private AuditFiles() {}

    /**
     * Six entries: server.start, key.create alice, key.create bob, key.revoke alice,
     * auth.failures, server.stop.
     */
    static Path sixEntries(Path dir) {
        Path f = dir.resolve(AuditLog.FILE_NAME);
        MutableClock clock = new MutableClock(START);
        try (AuditLog log = AuditLog.open(f, clock)) {
            log.record(Audit.SYSTEM, Actions.SERVER_START, null, Map.of("version", "dev", "listen", "127.0.0.1:11443"));
            clock.advance(Duration.ofMinutes(1));
            log.record("uid:1000", Actions.KEY_CREATE, "aaaaaaaaaaaa", Map.of("name", "alice", "scopes", List.of("inference")));
            clock.advance(Duration.ofMinutes(1));
            log.record("uid:1000", Actions.KEY_CREATE, "bbbbbbbbbbbb", Map.of("name", "bob", "scopes", List.of("meta")));
            clock.advance(Duration.ofMinutes(1));
            log.record("uid:1001", Actions.KEY_REVOKE, "aaaaaaaaaaaa", Map.of());
            clock.advance(Duration.ofMinutes(1));
            log.record(Audit.SYSTEM, Actions.AUTH_FAILURES, "203.0.113.7", Map.of("count", 12));
            clock.advance(Duration.ofMinutes(1));
            log.record(Audit.SYSTEM, Actions.SERVER_STOP, null, Map.of());
        }
        return f;
    }

    static List<String> lines(Path f) throws IOException {
        return new ArrayList<>(Files.readAllLines(f, StandardCharsets.UTF_8));
    }

    static Path write(Path f, List<String> lines) throws IOException {
        return Files.writeString(f, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    }

    /** The hash of line {@code n} (1-based). */
    static String hashOf(List<String> lines, int n) {
        return AuditEntry.parse(lines.get(n - 1).getBytes(StandardCharsets.UTF_8)).hash();
    }
}
