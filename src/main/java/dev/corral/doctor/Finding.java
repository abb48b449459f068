package dev.corral.doctor;

/**
 * One result of one check: a stable id, how it stands, what was seen, and how to fix it.
 *
 * @param evidence what the check saw, in words an operator can verify by hand
 * @param fix      the command or file that fixes it; empty when there is nothing to fix
 * @param reason   a cause several findings share (systemd missing), spelled out in the evidence; null for none.
 *                 The doctor says it in full once and has the later findings refer to the first.
 */
public record Finding(String id, Severity severity, String title, String evidence, String fix, Reason reason) {

    /**
     * A cause shared by several findings.
     *
     * @param brief a few words for the findings after the first ("systemd is not available")
     * @param full  the whole sentence with the detail, as it appears in the first finding's evidence
     */
    public record Reason(String brief, String full) {}

    public Finding(String id, Severity severity, String title, String evidence, String fix) {
        this(id, severity, title, evidence, fix, null);
    }

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

    /** Skipped for a shared reason; {@code why} contains {@code reason.full()}. */
    public static Finding skip(String id, String title, Reason reason, String why) {
        return new Finding(id, Severity.SKIP, title, why, "", reason);
    }

    /** This finding with its shared reason replaced by a reference to the finding that said it in full. */
    Finding referringTo(String firstId) {
        String ref = reason.brief() + " (see " + firstId + " above)";
        return new Finding(id, severity, title, evidence.replace(reason.full(), ref), fix, reason);
    }
}
