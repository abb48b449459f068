package dev.corral.doctor;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Every read the doctor makes of the machine goes through here: files under a root directory and
 * commands through a runner. The real host is {@link LocalHost}; tests use fixture trees and canned
 * command outputs.
 */
public interface Host {

    /** The result of running a command; {@code missing} when the program does not exist. */
    record Result(int exit, String out, String err, boolean missing) {
        public static Result notFound() {
            return new Result(127, "", "", true);
        }

        public boolean ok() {
            return !missing && exit == 0;
        }
    }

    /** The host path for an absolute path such as "/proc/net/tcp". */
    Path path(String absolute);

    /** Runs a command (no shell), with a time limit. */
    Result run(List<String> command);

    /** True when running as root (some checks need it to see other users' processes). */
    boolean isRoot();

    /** This process's environment (PATH, to find programs). */
    Map<String, String> env();
}
