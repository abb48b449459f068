package dev.corral.doctor;

/**
 * One result of one check: a stable id, how it stands, what was seen, and how to fix it.
 *
 * @param evidence what the check saw, in words an operator can verify by hand
 * @param fix      the command or file that fixes it; empty when there is nothing to fix
 */
public record Finding(String id, Severity severity, String title, String evidence, String fix) {

    public static Finding pass(String id, String title, String evidence) {
        return new Finding(id, Severity.PASS, title, evidence, "");
    }

    public static Finding warn(String id, String title, String evidence, String fix) {
        return new Finding(id, Severity.WARN, title, evidence, fix);
    }

    public static Finding fail(String id, String title, String evidence, String fix) {
        return new Finding(id, Severity.FAIL, title, evidence, fix);
    }

    public static Finding skip(String id, String title, String why) {
        return new Finding(id, Severity.SKIP, title, why, "");
    }
}
