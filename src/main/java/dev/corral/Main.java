package dev.corral;

import dev.corral.cli.CorralCommand;

/** The `corral` command. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(CorralCommand.execute(args));
    }
}
