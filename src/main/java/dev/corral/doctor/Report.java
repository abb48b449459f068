package dev.corral.doctor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Renders findings as a table (colour only on a terminal), JSON, or JUnit XML for CI pipelines. */
public final class Report {
    private Report() {}

    public static Map<Severity, Integer> counts(List<Finding> findings) {
        Map<Severity, Integer> c = new EnumMap<>(Severity.class);
        for (Severity s : Severity.values()) {
            c.put(s, 0);
        }
        findings.forEach(f -> c.merge(f.severity(), 1, Integer::sum));
        return c;
    }

    public static String table(List<Finding> findings, boolean colour) {
        StringBuilder sb = new StringBuilder();
        for (Finding f : findings) {
            sb.append(badge(f.severity(), colour)).append("  ").append(f.id()).append("  ").append(f.title()).append('\n');
            sb.append("        ").append(f.evidence()).append('\n');
            if (!f.fix().isEmpty() && (f.severity() == Severity.FAIL || f.severity() == Severity.WARN)) {
                sb.append("        fix: ").append(f.fix()).append('\n');
            }
        }
        Map<Severity, Integer> c = counts(findings);
        sb.append('\n').append(c.get(Severity.PASS)).append(" passed, ").append(c.get(Severity.WARN)).append(" warned, ")
                .append(c.get(Severity.FAIL)).append(" failed, ").append(c.get(Severity.SKIP)).append(" skipped\n");
        return sb.toString();
    }

    private static String badge(Severity s, boolean colour) {
        String text = String.format("%-4s", s.name());
        if (!colour) {
            return text;
        }
        String code = switch (s) {
            case PASS -> "32";
            case WARN -> "33";
            case FAIL -> "31;1";
            case SKIP -> "90";
        };
        return "\u001b[" + code + "m" + text + "\u001b[0m";
    }

    public static String json(List<Finding> findings) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        ObjectNode summary = root.putObject("summary");
        counts(findings).forEach((k, v) -> summary.put(k.name().toLowerCase(java.util.Locale.ROOT), v));
        ArrayNode arr = root.putArray("findings");
        for (Finding f : findings) {
            arr.addObject().put("id", f.id()).put("severity", f.severity().name().toLowerCase(java.util.Locale.ROOT))
                    .put("title", f.title()).put("evidence", f.evidence()).put("fix", f.fix());
        }
        try {
            return m.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** JUnit XML: FAIL is a failure, SKIP is skipped, WARN passes with its evidence in system-out. */
    public static String junit(List<Finding> findings) {
        Map<Severity, Integer> c = counts(findings);
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append("<testsuite name=\"corral doctor\" tests=\"").append(findings.size()).append("\" failures=\"")
                .append(c.get(Severity.FAIL)).append("\" errors=\"0\" skipped=\"").append(c.get(Severity.SKIP)).append("\">\n");
        for (Finding f : findings) {
            sb.append("  <testcase classname=\"corral.doctor\" name=\"").append(xml(f.id() + ": " + f.title())).append("\"");
            switch (f.severity()) {
                case PASS -> sb.append("/>\n");
                case WARN -> sb.append(">\n    <system-out>WARN: ").append(xml(f.evidence()))
                        .append(f.fix().isEmpty() ? "" : xml("\nfix: " + f.fix())).append("</system-out>\n  </testcase>\n");
                case FAIL -> sb.append(">\n    <failure message=\"").append(xml(f.evidence())).append("\">")
                        .append(xml(f.evidence() + (f.fix().isEmpty() ? "" : "\nfix: " + f.fix()))).append("</failure>\n  </testcase>\n");
                case SKIP -> sb.append(">\n    <skipped message=\"").append(xml(f.evidence())).append("\"/>\n  </testcase>\n");
            }
        }
        return sb.append("</testsuite>\n").toString();
    }

    private static String xml(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&apos;");
                default -> {
                    if (ch >= 0x20 || ch == '\n' || ch == '\t') {
                        sb.append(ch);
                    }
                }
            }
        }
        return sb.toString();
    }
}
