package dev.corral.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

class TimestampsTest {
    @Test
    void instantsAreWrittenInUtcToTheMicrosecondAndReadBackAsTheSameInstant() {
        Instant t = Instant.parse("2026-11-24T00:20:06.322314710Z");
        assertThat(Timestamps.format(t)).isEqualTo("2026-11-24T00:20:06.322314Z");
        assertThat(Timestamps.format(Instant.parse("2026-11-24T00:20:06Z"))).isEqualTo("2026-11-24T00:20:06.000000Z");
        assertThat(Timestamps.format(Instant.parse("2026-11-24T00:20:07.000001Z"))).isEqualTo("2026-11-24T00:20:07.000001Z");
        assertThat(Timestamps.format(Instant.parse("1999-12-31T23:59:59.999999999Z"))).isEqualTo("1999-12-31T23:59:59.999999Z");
        for (long i = 0; i < 5000; i++) {
            Instant at = t.plusNanos(i * 7_919_123L);
            assertThat(Instant.parse(Timestamps.format(at))).isEqualTo(at.truncatedTo(ChronoUnit.MICROS));
        }
    }
}
