package dev.corral.cli;

import dev.corral.access.BasicLogins;
import dev.corral.access.KeyManager;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The password of `corral keys create --basic USER`: prompted for twice on a terminal, else the
 * first line of standard input, and hashed here with bcrypt, so only the hash leaves this process.
 */
final class BasicPassword {
    private static final int MIN_LENGTH = 8;

    private BasicPassword() {}

    /** The bcrypt hash of the password given for {@code user}; a bad user, cost or password is a usage error. */
    static String hashOfInput(String user, int cost) {
        try {
            KeyManager.checkBasicUser(user);
        } catch (IllegalArgumentException e) {
            throw new CorralCommand.UsageError("--basic: " + e.getMessage());
        }
        if (cost < 4 || cost > 31) {
            throw new CorralCommand.UsageError("--bcrypt-cost: from 4 to 31");
        }
        char[] password = read();
        try {
            if (password.length < MIN_LENGTH) {
                throw new CorralCommand.UsageError("the password is shorter than " + MIN_LENGTH + " characters");
            }
            return BasicLogins.hash(password, cost);
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private static char[] read() {
        Console console = System.console();
        if (console != null) {
            char[] first = console.readPassword("Password: ");
            char[] again = console.readPassword("Again: ");
            if (first == null || again == null || !Arrays.equals(first, again)) {
                throw new CorralCommand.UsageError("the two passwords differ");
            }
            return first;
        }
        try {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (line == null) {
                throw new CorralCommand.UsageError("no password on standard input");
            }
            return line.toCharArray();
        } catch (IOException e) {
            throw new CorralCommand.Failure("cannot read the password: " + e.getMessage());
        }
    }
}
