package dev.corral.metrics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One GET /metrics on the admin socket, as Prometheus would send it, and the samples of the text
 * it answered: name, labels, value. Parses the text format itself, so a test reads what crossed
 * the socket, not what the registry holds.
 */
public record Scrape(int status, String contentType, String text, List<Sample> samples) {

    /** One line of the exposition: {@code name{labels} value}. */
    record Sample(String name, Map<String, String> labels, double value) {}

    public static Scrape of(Path socket) throws IOException {
        return of(socket, "/metrics");
    }

    static Scrape of(Path socket, String path) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap(("GET " + path + " HTTP/1.1\r\nHost: corral-admin\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1)));
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            while (ch.read(buf.clear()) >= 0) {
                in.write(buf.array(), 0, buf.position());
            }
            String raw = in.toString(StandardCharsets.UTF_8);
            int end = raw.indexOf("\r\n\r\n");
            int status = Integer.parseInt(raw.substring(9, 12));
            String contentType = null;
            for (String h : raw.substring(0, end).split("\r\n")) {
                if (h.toLowerCase().startsWith("content-type:")) {
                    contentType = h.substring(13).trim();
                }
            }
            String body = raw.substring(end + 4);
            return new Scrape(status, contentType, body, status == 200 ? parse(body) : List.of());
        }
    }

    static List<Sample> parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            Map<String, String> labels = new TreeMap<>();
            String name;
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                int close = labels(line, brace + 1, labels);
                space = line.indexOf(' ', close);
            } else {
                name = line.substring(0, line.indexOf(' '));
                space = line.indexOf(' ');
            }
            String[] rest = line.substring(space + 1).trim().split(" ");
            out.add(new Sample(name, labels, Double.parseDouble(rest[0])));
        }
        return out;
    }

    /** Reads {@code a="x",b="y"} from {@code i}; returns the index of the closing brace. */
    private static int labels(String line, int i, Map<String, String> into) {
        while (line.charAt(i) != '}') {
            int eq = line.indexOf('=', i);
            String key = line.substring(i, eq);
            StringBuilder v = new StringBuilder();
            int j = eq + 2; // past ="
            for (; line.charAt(j) != '"'; j++) {
                char c = line.charAt(j);
                if (c == '\\') {
                    char n = line.charAt(++j);
                    v.append(n == 'n' ? '\n' : n);
                } else {
                    v.append(c);
                }
            }
            into.put(key, v.toString());
            i = j + 1;
            if (line.charAt(i) == ',') {
                i++;
            }
        }
        return i;
    }

    /** The value of the one sample with this name and exactly these labels, or null when there is none. */
    Double value(String name, String... labelPairs) {
        Map<String, String> want = new TreeMap<>();
        for (int i = 0; i + 1 < labelPairs.length; i += 2) {
            want.put(labelPairs[i], labelPairs[i + 1]);
        }
        for (Sample s : samples) {
            if (s.name().equals(name) && s.labels().equals(want)) {
                return s.value();
            }
        }
        return null;
    }

    /** The sum over every sample of this name whose labels include these. */
    double sum(String name, String... labelPairs) {
        double total = 0;
        for (Sample s : samples) {
            if (!s.name().equals(name)) {
                continue;
            }
            boolean match = true;
            for (int i = 0; i + 1 < labelPairs.length; i += 2) {
                match &= labelPairs[i + 1].equals(s.labels().get(labelPairs[i]));
            }
            if (match) {
                total += s.value();
            }
        }
        return total;
    }

    boolean has(String name) {
        return samples.stream().anyMatch(s -> s.name().equals(name));
    }
}
