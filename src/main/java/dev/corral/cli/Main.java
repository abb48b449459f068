package dev.corral.cli;


/** The `corral` command. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(CorralCommand.execute(args));
    }
}
