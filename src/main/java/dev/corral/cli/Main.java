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
        System.exit(CorralCommand.execute(args));
    }
}
