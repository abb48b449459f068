package dev.corral.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Shows a pull's progress from Ollama's lines ({"status", "digest", "total", "completed"}): on a
 * terminal, one bar per layer redrawn in place (percent, bytes done of total); otherwise each new
 * status once, and a layer's size when it is complete, so a log reads cleanly.
 */
final class PullProgress {
    private static final int BAR = 30;

    private final PrintWriter err;
    private final boolean bar;
    private String status = "";
    private boolean drawing;
    private boolean layerDone;

    PullProgress(PrintWriter err, boolean bar) {
        this.err = err;
        this.bar = bar;
    }

    /** True when file descriptor 2 is a terminal (Linux: /proc/self/fd/2 points at a tty). */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (java.io.IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    void line(JsonNode l) {
        if (l.hasNonNull("error")) {
            finishBar();
            return;
        }
        String s = l.path("status").asText("");
        long total = l.path("total").asLong(0);
        long completed = l.path("completed").asLong(0);
        boolean changed = !s.equals(status);
        if (changed) {
            finishBar();
            status = s;
            layerDone = false;
        }
        if (total <= 0) {
            if (changed) {
                err.println(s);
            }
        } else if (bar) {
            err.print("\r" + render(s, completed, total));
            drawing = true;
        } else if (changed) {
            err.println(s + " (" + bytes(total) + ")");
        } else if (completed >= total && !layerDone) {
            layerDone = true;
            err.println(s + ": done, " + bytes(total));
        }
        err.flush();
    }

    /** Ends a bar in progress with a newline, so what follows starts on its own line. */
    void finishBar() {
        if (drawing) {
            err.println();
            drawing = false;
        }
    }

    static String render(String status, long completed, long total) {
        int pct = (int) Math.min(100, completed * 100 / total);
        int filled = pct * BAR / 100;
        return String.format(Locale.ROOT, "%s %3d%% [%s%s] %s/%s", status, pct, "#".repeat(filled), " ".repeat(BAR - filled),
                bytes(completed), bytes(total));
    }

    /** 1.2 GB, 350 MB, 12 KB, 999 B: decimal units, as Ollama shows sizes. */
    static String bytes(long n) {
        String[] units = {"B", "KB", "MB", "GB", "TB"};
        double v = n;
        int u = 0;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return u == 0 ? n + " B" : String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, units[u]);
    }
}
