package dev.corral.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RequestIdsTest {

    @Test
    void timeThenRandomBitsInFixedWidthHex() {
        assertThat(RequestIds.of(0, 0)).isEqualTo("000000000000000000000000");
        assertThat(RequestIds.of(1_795_000_000_123L, 0xFFF_FFFF_FFFF_FFFFL))
                .isEqualTo(Long.toHexString(1_795_000_000_123L) + "fffffffffffff")
                .hasSize(RequestIds.LENGTH);
        // only the low 52 random bits are used
        assertThat(RequestIds.of(1, -1L)).isEqualTo("00000000001fffffffffffff");
    }

    @Test
    void laterIdsSortLaterWhateverTheRandomBits() {
        assertThat(RequestIds.of(1_795_000_000_124L, 0)).isGreaterThan(RequestIds.of(1_795_000_000_123L, -1L));
        String a = RequestIds.next();
        String b = RequestIds.of(System.currentTimeMillis() + 1, 0);
        assertThat(b).isGreaterThan(a);
    }

    @Test
    void idsOfOneMillisecondDiffer() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            seen.add(RequestIds.next());
        }
        assertThat(seen).hasSize(100_000).allMatch(id -> id.matches("[0-9a-f]{24}"));
    }
}
