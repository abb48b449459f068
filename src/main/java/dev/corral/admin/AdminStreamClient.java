package dev.corral.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The CLI's side of an admin call whose answer may be a stream (a pull's progress): one call per
 * connection over the admin socket, each NDJSON line handed over as it arrives. There is no
 * deadline, since a pull takes as long as it takes; returning false from the line handler, or
 * the process ending, closes the connection, and the server then cancels the work at Ollama.
 */
public final class AdminStreamClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AdminStreamClient() {}

    /**
     * Calls {@code path}. A 200 NDJSON answer goes to {@code onLine} line by line and comes back as
     * its last line; any other answer comes back whole, without calling {@code onLine}.
     *
     * @param onLine returns false to stop reading and hang up
     */
    public static AdminClient.Response call(Path socket, String method, String path, JsonNode body,
                                            Predicate<JsonNode> onLine) throws IOException {
        byte[] payload = body == null ? new byte[0] : JSON.writeValueAsBytes(body);
        String head = method + " " + path + " HTTP/1.1\r\nHost: corral-admin\r\nConnection: close\r\n"
                + (body == null ? "" : "Content-Type: application/json\r\n")
                + "Content-Length: " + payload.length + "\r\n\r\n";
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.allocate(head.length() + payload.length);
            out.put(head.getBytes(StandardCharsets.ISO_8859_1)).put(payload).flip();
            while (out.hasRemaining()) {
                ch.write(out);
            }
            InputStream in = new BufferedInputStream(Channels.newInputStream(ch));
            String status = line(in);
            if (!status.startsWith("HTTP/1.1 ") || status.length() < 12) {
                throw new IOException("the admin socket answered something that is not HTTP");
            }
            int code = Integer.parseInt(status.substring(9, 12));
            boolean chunked = false;
            long length = -1;
            boolean ndjson = false;
            for (String h = line(in); !h.isEmpty(); h = line(in)) {
                String lower = h.toLowerCase(Locale.ROOT);
                if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                } else if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(lower.substring(15).trim());
                } else if (lower.startsWith("content-type:") && lower.contains("ndjson")) {
                    ndjson = true;
                }
            }
            InputStream bodyIn = chunked ? new Chunked(in) : in;
            if (!ndjson) {
                byte[] all = length >= 0 ? bodyIn.readNBytes((int) Math.min(length, 64L << 20)) : bodyIn.readAllBytes();
                String text = new String(all, StandardCharsets.UTF_8);
                return new AdminClient.Response(code, text.isBlank() ? JSON.createObjectNode() : JSON.readTree(text));
            }
            JsonNode last = JSON.createObjectNode();
            ByteArrayOutputStream pending = new ByteArrayOutputStream();
            for (int b = bodyIn.read(); b >= 0; b = bodyIn.read()) {
                if (b != '\n') {
                    pending.write(b);
                    continue;
                }
                String text = pending.toString(StandardCharsets.UTF_8);
                pending.reset();
                if (text.isBlank()) {
                    continue;
                }
                last = JSON.readTree(text);
                if (!onLine.test(last)) {
                    break;
                }
            }
            return new AdminClient.Response(code, last);
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("the admin socket closed the connection before answering");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** HTTP/1.1 chunked transfer coding (RFC 9112 section 7.1), read as one stream. */
    private static final class Chunked extends InputStream {
        private final InputStream in;
        private long left;
        private boolean ended;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            if (ended) {
                return -1;
            }
            if (left == 0) {
                String size = line(in);
                int semi = size.indexOf(';');
                left = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (left == 0) {
                    ended = true;
                    return -1;
                }
            }
            int c = in.read();
            if (c < 0) {
                throw new EOFException("the admin socket closed the connection mid-answer");
            }
            if (--left == 0) {
                line(in); // the CRLF after the chunk
            }
            return c;
        }
    }
}
