package dev.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command in the tree answers --help and -h with its usage and exit 0, found by walking the
 * tree, so a command added later is covered without touching this test.
 */
class HelpTest {
    record Run(int code, String out, String err) {}

    static Run run(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = CorralCommand.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
                .execute(args.toArray(new String[0]));
        return new Run(code, out.toString(), err.toString());
    }

    /** The argument paths of every command: [], [serve], [keys], [keys, create], ... */
    static List<List<String>> commandPaths() {
        List<List<String>> paths = new ArrayList<>();
        walk(CorralCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())),
                new ArrayList<>(), paths);
        return paths;
    }

    private static void walk(CommandLine cl, List<String> path, List<List<String>> out) {
        out.add(List.copyOf(path));
        for (var e : cl.getSubcommands().entrySet()) {
            if (!e.getKey().equals(e.getValue().getCommandName())) {
                continue; // an alias of a command already walked
            }
            path.add(e.getKey());
            walk(e.getValue(), path, out);
            path.remove(path.size() - 1);
        }
    }

    @Test
    void everyCommandAnswersHelpWithItsUsageAndExit0() {
        List<List<String>> paths = commandPaths();
        assertThat(paths).contains(List.of("keys", "create"), List.of("harden", "ollama"), List.of("tls", "self-signed"),
                List.of("doctor"), List.of("help"));
        for (List<String> path : paths) {
            for (String flag : List.of("--help", "-h")) {
                List<String> args = new ArrayList<>(path);
                args.add(flag);
                Run r = run(args);
                String name = String.join(" ", path);
                assertThat(r.code()).as("exit code of corral %s %s; stderr: %s", name, flag, r.err()).isZero();
                assertThat(r.out()).as("usage of corral %s %s", name, flag)
                        .contains("Usage: corral" + (path.isEmpty() ? "" : " " + name));
                assertThat(r.err()).as("stderr of corral %s %s", name, flag).isEmpty();
            }
        }
    }

    @Test
    void aUsageErrorPointsAtAHelpThatWorks() {
        Run bad = run(List.of("keys", "create", "--nope"));
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("Run 'corral keys create --help' for usage.");
        assertThat(run(List.of("keys", "create", "--help")).code()).isZero();
    }
}
