package dev.corral.doctor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** 6. The Ollama that runs is the one the operator pinned: `ollama --version`, and the binary's sha256. */
public final class VersionCheck implements Check {
    private static final Pattern VERSION = Pattern.compile("version is (\\S+)");

    @Override
    public List<Finding> run(Host host, DoctorOptions options) {
        List<Finding> out = new ArrayList<>();
        String title = "Ollama's version is the pinned one";
        Host.Result r = host.run(List.of(options.ollamaBinary() == null ? "ollama" : options.ollamaBinary().toString(), "--version"));
        if (r.missing()) {
            out.add(Finding.skip("ollama.version", title, "the ollama binary is not on PATH (give --ollama-binary)"));
        } else {
            Matcher m = VERSION.matcher(r.out() + "\n" + r.err());
            String found = null;
            while (m.find()) {
                found = m.group(1); // the last one: "client version is" follows a warning when the server is down
            }
            if (found == null) {
                out.add(Finding.skip("ollama.version", title, "`ollama --version` printed no version: "
                        + OllamaProcess.firstLine(r.out() + r.err())));
            } else if (options.ollamaVersion() == null) {
                out.add(Finding.skip("ollama.version", title, "Ollama " + found + " is installed; no pin given"
                        + " (--ollama-version " + found + " to pin it)"));
            } else if (found.equals(options.ollamaVersion().replaceFirst("^v", ""))) {
                out.add(Finding.pass("ollama.version", title, "ollama --version: " + found));
            } else {
                out.add(Finding.fail("ollama.version", title, "ollama --version says " + found + ", pinned "
                        + options.ollamaVersion(), "install Ollama " + options.ollamaVersion()
                        + " (curl -fsSL https://ollama.com/install.sh | OLLAMA_VERSION=" + options.ollamaVersion() + " sh),"
                        + " or update the pin"));
            }
        }
        out.add(checksum(host, options));
        return out;
    }

    private static Finding checksum(Host host, DoctorOptions options) {
        String title = "The Ollama binary matches its published checksum";
        if (options.ollamaSha256() == null) {
            return Finding.skip("ollama.binary.sha256", title, "no checksum file given (--ollama-sha256 FILE)");
        }
        Path binary = options.ollamaBinary() != null ? host.path(options.ollamaBinary().toString()) : which(host, "ollama");
        if (binary == null || !Files.isRegularFile(binary)) {
            return Finding.skip("ollama.binary.sha256", title, "the ollama binary was not found (give --ollama-binary)");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(options.ollamaSha256());
        } catch (IOException e) {
            return Finding.skip("ollama.binary.sha256", title, "cannot read " + options.ollamaSha256() + ": " + e.getMessage());
        }
        String name = binary.getFileName().toString();
        List<String[]> entries = new ArrayList<>();
        for (String l : lines) {
            String[] f = l.trim().split("\\s+", 2);
            if (f.length == 2 && f[0].matches("[0-9a-fA-F]{64}")) {
                entries.add(new String[] {f[0].toLowerCase(java.util.Locale.ROOT), f[1].replaceFirst("^\\*", "")});
            }
        }
        String expected = null;
        for (String[] e : entries) {
            if (Path.of(e[1]).getFileName().toString().equals(name)) {
                expected = e[0];
            }
        }
        if (expected == null && entries.size() == 1) {
            expected = entries.get(0)[0];
        }
        if (expected == null) {
            return Finding.fail("ollama.binary.sha256", title, options.ollamaSha256() + " has no entry for " + name
                    + " (the releases publish sums of archives: give the sum of the binary itself)", "");
        }
        String actual;
        try (InputStream in = new DigestInputStream(Files.newInputStream(binary), MessageDigest.getInstance("SHA-256"))) {
            DigestInputStream d = (DigestInputStream) in;
            d.transferTo(java.io.OutputStream.nullOutputStream());
            actual = HexFormat.of().formatHex(d.getMessageDigest().digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            return Finding.skip("ollama.binary.sha256", title, "cannot read " + binary + ": " + e.getMessage());
        }
        String shown = options.ollamaBinary() != null ? options.ollamaBinary().toString() : binary.toString();
        return actual.equals(expected) ? Finding.pass("ollama.binary.sha256", title, shown + " sha256 " + actual)
                : Finding.fail("ollama.binary.sha256", title, shown + " sha256 " + actual + ", expected " + expected,
                        "reinstall Ollama from its release and compare again; a mismatch can mean tampering");
    }

    private static Path which(Host host, String program) {
        String path = host.env().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty()) {
                Path p = host.path(dir + "/" + program);
                if (Files.isRegularFile(p)) {
                    return p;
                }
            }
        }
        return null;
    }
}
