package dev.corral.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A deadline moved later schedules nothing; one moved earlier wakes in time; disarmed or stopped, nothing runs. */
class DeadlineTest {
    static final long S = TimeUnit.SECONDS.toNanos(1);

    final EmbeddedChannel ch = frozen();
    final AtomicInteger expired = new AtomicInteger();
    final Deadline d = new Deadline(expired::incrementAndGet);

    /** A loop whose clock moves only when the test says so. */
    static EmbeddedChannel frozen() {
        EmbeddedChannel c = new EmbeddedChannel();
        c.freezeTime();
        return c;
    }

    /** Advances the loop's clock and runs what is due; the nanoseconds to the next scheduled task, -1 when none. */
    long after(long seconds) {
        ch.advanceTimeBy(seconds, TimeUnit.SECONDS);
        return ch.runScheduledPendingTasks();
    }

    @Test
    void aDeadlineMovedLaterKeepsThePendingWakeUpWhichSleepsAgainForTheRest() {
        d.in(ch.eventLoop(), 5 * S);
        assertThat(after(3)).isEqualTo(2 * S);
        d.in(ch.eventLoop(), 5 * S); // now due at 8 s
        assertThat(ch.runScheduledPendingTasks()).as("the wake-up at 5 s stays, nothing new scheduled").isEqualTo(2 * S);
        assertThat(after(2)).as("woke at 5 s, sleeps again until 8 s").isEqualTo(3 * S);
        assertThat(expired).hasValue(0);
        assertThat(after(3)).isEqualTo(-1);
        assertThat(expired).hasValue(1);
        assertThat(after(10)).as("expired once, then disarmed").isEqualTo(-1);
        assertThat(expired).hasValue(1);
    }

    @Test
    void aDeadlineMovedEarlierWakesInTime() {
        d.in(ch.eventLoop(), 10 * S);
        d.in(ch.eventLoop(), 2 * S);
        assertThat(ch.runScheduledPendingTasks()).isEqualTo(2 * S);
        after(2);
        assertThat(expired).hasValue(1);
        assertThat(ch.runScheduledPendingTasks()).as("the later wake-up was cancelled").isEqualTo(-1);
    }

    @Test
    void aDisarmedDeadlineRunsNothingAndAStoppedOneLeavesNoTask() {
        d.in(ch.eventLoop(), 2 * S);
        d.disarm();
        assertThat(after(3)).isEqualTo(-1);
        assertThat(expired).hasValue(0);

        d.in(ch.eventLoop(), 2 * S);
        d.stop();
        assertThat(ch.runScheduledPendingTasks()).isEqualTo(-1);
        after(5);
        assertThat(expired).hasValue(0);

        d.in(ch.eventLoop(), 1 * S); // usable again after a stop
        after(1);
        assertThat(expired).hasValue(1);
    }
}
