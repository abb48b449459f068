package dev.corral.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The CLI's side of the admin socket: one HTTP/1.1 call per connection, JSON in and out, with a
 * deadline. {@link #answers} tells whether a server is listening there at all.
 */
public final class AdminClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An answer: status and the JSON body. */
    public record Response(int status, JsonNode body) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }

        /** The {"error": ...} sentence of a refusal. */
        public String error() {
            return body.path("error").asText("HTTP " + status);
        }
    }

    private final Path socket;
    private final Duration timeout;

    public AdminClient(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
    }

    /** True when a server accepts connections on {@code socket}. */
    public static boolean answers(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    public Response call(String method, String path, JsonNode body) throws IOException {
        byte[] payload = body == null ? new byte[0] : JSON.writeValueAsBytes(body);
        String head = method + " " + path + " HTTP/1.1\r\nHost: corral-admin\r\nConnection: close\r\n"
                + (body == null ? "" : "Content-Type: application/json\r\n")
                + "Content-Length: " + payload.length + "\r\n\r\n";
        long deadline = System.nanoTime() + timeout.toNanos();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX); Selector sel = Selector.open()) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.configureBlocking(false);
            ByteBuffer out = ByteBuffer.allocate(head.length() + payload.length);
            out.put(head.getBytes(StandardCharsets.ISO_8859_1)).put(payload).flip();
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
            SelectionKey key = ch.register(sel, SelectionKey.OP_WRITE);
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || sel.select(Math.max(1, left / 1_000_000)) == 0 && System.nanoTime() >= deadline) {
                    throw new IOException("the server did not answer within " + timeout.toSeconds() + " s on " + socket);
                }
                sel.selectedKeys().clear();
                if (out.hasRemaining()) {
                    ch.write(out);
                    if (!out.hasRemaining()) {
                        key.interestOps(SelectionKey.OP_READ);
                    }
                    continue;
                }
                buf.clear();
                int n = ch.read(buf);
                if (n < 0) {
                    break;
                }
                in.write(buf.array(), 0, n);
            }
            return parse(in.toByteArray());
        }
    }

    private static Response parse(byte[] raw) throws IOException {
        String text = new String(raw, StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/1.1 ") || end < 0) {
            throw new IOException("the admin socket answered something that is not HTTP");
        }
        int status = Integer.parseInt(text.substring(9, 12));
        String bodyText = text.substring(end + 4);
        JsonNode body = bodyText.isBlank() ? JSON.createObjectNode() : JSON.readTree(bodyText);
        return new Response(status, body);
    }
}
