package dev.corral.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * Corral's logging as LogSetup sets it up: JSON lines on standard error, the access log on its own
 * batching writer and not also on the root's, the levels from CORRAL_LOG_LEVEL and
 * CORRAL_ACCESS_LOG_LEVEL, no logback shutdown hook of its own; logback finds it as a service, and it
 * steps aside for a logback-test.xml.
 */
class LogSetupTest {
    private static LoggerContext configured(Map<String, String> variables) {
        LoggerContext context = new LoggerContext();
        LogSetup.apply(context, variables::get);
        return context;
    }

    @Test
    void jsonLinesOnStandardErrorAndTheAccessLogOnItsOwnWriter() {
        LoggerContext context = configured(Map.of());
        try {
            Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
            assertThat(root.getLevel()).isEqualTo(Level.INFO);
            ConsoleAppender<?> stderr = (ConsoleAppender<?>) root.getAppender("STDERR");
            assertThat(stderr.isStarted()).isTrue();
            assertThat(stderr.getTarget()).isEqualTo("System.err");
            assertThat(((LayoutWrappingEncoder<?>) stderr.getEncoder()).getLayout()).isInstanceOf(JsonLineLayout.class);

            Logger access = context.getLogger(LogSetup.ACCESS);
            assertThat(access.getLevel()).isEqualTo(Level.INFO);
            assertThat(access.isAdditive()).as("access lines are not written twice").isFalse();
            assertThat(access.getAppender("ACCESS")).isInstanceOf(BatchingAppender.class);
            assertThat(access.getAppender("ACCESS").isStarted()).isTrue();

            assertThat(context.getLogger("io.netty").getLevel()).isEqualTo(Level.WARN);
            assertThat(context.getLogger("org.flywaydb").getLevel()).isEqualTo(Level.WARN);
            assertThat(context.getLogger("io.lettuce.core.protocol.ConnectionWatchdog").getLevel()).isEqualTo(Level.ERROR);
            assertThat(context.getObject(CoreConstants.SHUTDOWN_HOOK_THREAD))
                    .as("no logback hook: it would stop logging while Corral's own shutdown still logs").isNull();
        } finally {
            context.stop();
        }
    }

    @Test
    void levelsComeFromTheVariablesAndANonLevelMeansInfo() {
        LoggerContext context = configured(Map.of("CORRAL_LOG_LEVEL", "debug", "CORRAL_ACCESS_LOG_LEVEL", "OFF"));
        try {
            assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.DEBUG);
            assertThat(context.getLogger(LogSetup.ACCESS).getLevel()).isEqualTo(Level.OFF);
        } finally {
            context.stop();
        }
        context = configured(Map.of("CORRAL_LOG_LEVEL", "loud", "CORRAL_ACCESS_LOG_LEVEL", " "));
        try {
            assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.INFO);
            assertThat(context.getLogger(LogSetup.ACCESS).getLevel()).isEqualTo(Level.INFO);
        } finally {
            context.stop();
        }
    }

    @Test
    void logbackFindsItAsAServiceAndItStepsAsideForALogbackTestXml() {
        assertThat(ServiceLoader.load(Configurator.class).stream().map(ServiceLoader.Provider::type))
                .contains(LogSetup.class);
        assertThat(LogSetupTest.class.getClassLoader().getResource("logback-test.xml")).isNotNull();
        LoggerContext context = new LoggerContext();
        LogSetup setup = new LogSetup();
        setup.setContext(context);
        assertThat(setup.configure(context)).isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR")).isNull();
    }
}
