package dev.corral.cli;


/** The `corral` command. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        // Netty 4.2 looks for JDK Flight Recorder and, finding it, defines its buffer allocator's JFR
        // events: that initialises JFR's metadata at the first request (tens of milliseconds on one
        // core) though nothing records. -Dio.netty.jfr.enabled=true in CORRAL_JAVA_OPTS brings them back.
        if (System.getProperty("io.netty.jfr.enabled") == null) {
            System.setProperty("io.netty.jfr.enabled", "false");
        }
        // Netty's leak detector samples about one buffer in a hundred and records a stack trace
        // for each: about 5% of the CPU of a proxied request, spent looking for a bug the test suite
        // looks for at paranoid level on every buffer. -Dio.netty.leakDetection.level=simple in
        // CORRAL_JAVA_OPTS turns it back on.
        if (System.getProperty("io.netty.leakDetection.level") == null && System.getProperty("io.netty.leakDetectionLevel") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
        System.exit(CorralCommand.execute(args));
    }
}
