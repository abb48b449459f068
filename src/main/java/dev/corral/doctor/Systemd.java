package dev.corral.doctor;

/**
 * Why systemd cannot answer the doctor's questions on this host, in one sentence shared by every check
 * that needed it, so the report says it once (containers, WSL without systemd, chroots).
 */
final class Systemd {
    static final String BRIEF = "systemd is not available";

    private Systemd() {}

    /** The shared reason when `systemctl show UNIT ...` did not answer; null when it did. */
    static Finding.Reason unavailable(Host.Result show, String unit) {
        if (show.ok()) {
            return null;
        }
        String why = show.missing() ? "systemctl is not installed"
                : "systemctl show " + unit + " failed: " + OllamaProcess.firstLine(show.err());
        return new Finding.Reason(BRIEF, BRIEF + " (" + why + ")");
    }
}
