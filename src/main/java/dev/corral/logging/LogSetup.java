package dev.corral.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.function.UnaryOperator;
import org.slf4j.LoggerFactory;

/**
 * Corral's logging, set up in code when logback starts: JSON lines ({@link JsonLineLayout}) on
 * standard error (standard output is kept for command results such as a new key); the access log
 * ("corral.access") through its own writer thread ({@link BatchingAppender}: an event loop only queues
 * its line, never waits for standard error; nothing is dropped, a full queue of 8192 lines makes the
 * loop wait; lines reach standard error within about 20 ms, and all of them at exit: see
 * {@link #stopLogging}); the root level from CORRAL_LOG_LEVEL and the access log's from
 * CORRAL_ACCESS_LOG_LEVEL (INFO when unset or not a level; OFF silences it). Netty logs warnings and
 * up, Flyway too (the store logs one line when it migrated), Lettuce's reconnect watchdog only errors
 * (Corral logs a Redis outage once, and audits it).
 *
 * <p>Logback finds this as a service before it looks for a logback.xml: reading one (an XML parser,
 * Joran's model, reflection on every setter) took about 0.15 s of a start on one core. Given
 * {@code -Dlogback.configurationFile}, or with a logback-test.xml on the class path (the tests), it
 * steps aside and logback configures itself as usual.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogSetup extends ContextAwareBase implements Configurator {
    /** The access log's logger. */
    public static final String ACCESS = "corral.access";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null
                || LogSetup.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        apply(context, name -> System.getProperty(name, System.getenv(name)));
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** Sets up {@code context}, reading CORRAL_LOG_LEVEL and CORRAL_ACCESS_LOG_LEVEL from {@code variables}. */
    static void apply(LoggerContext context, UnaryOperator<String> variables) {
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(jsonLines(context));
        stderr.start();

        BatchingAppender access = new BatchingAppender();
        access.setContext(context);
        access.setName("ACCESS");
        access.setTarget("System.err");
        access.setQueueSize(8192);
        access.setLingerMillis(20);
        access.setMaxFlushMillis(2000);
        access.setEncoder(jsonLines(context));
        access.start();

        context.getLogger("io.netty").setLevel(Level.WARN);
        context.getLogger("io.lettuce.core.protocol.ConnectionWatchdog").setLevel(Level.ERROR);
        context.getLogger("org.flywaydb").setLevel(Level.WARN);
        Logger accessLog = context.getLogger(ACCESS);
        accessLog.setLevel(level(variables.apply("CORRAL_ACCESS_LOG_LEVEL")));
        accessLog.setAdditive(false);
        accessLog.addAppender(access);
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(level(variables.apply("CORRAL_LOG_LEVEL")));
        root.addAppender(stderr);
    }

    /**
     * Stops logging once everything else has stopped: what the shutdown itself logs (the audit log's
     * head at server.stop) and the access lines still queued are written. The commands that run until
     * stopped call it last, from their shutdown hook (cli.UntilStopped). Logback's own shutdown hook is
     * not used: the JVM runs hooks all at once, and it stopped logging in the middle of Corral's
     * shutdown, so the head logged at stop never appeared.
     */
    public static void stopLogging() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.stop();
        }
    }

    private static LayoutWrappingEncoder<ILoggingEvent> jsonLines(LoggerContext context) {
        JsonLineLayout layout = new JsonLineLayout();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        return encoder;
    }

    private static Level level(String value) {
        return value == null || value.isBlank() ? Level.INFO : Level.toLevel(value.trim(), Level.INFO);
    }
}
