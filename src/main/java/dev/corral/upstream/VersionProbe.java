package dev.corral.upstream;

import dev.corral.config.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One GET /api/version to Ollama over a plain socket, for the health probe: the HTTP status code of
 * the answer, read from its status line. Ollama's URL is always http:// (Settings refuses others),
 * so this needs neither TLS nor the JDK's HTTP client, whose set-up (an SSL context, the CA
 * certificates, a selector thread) was a tenth of a second of Corral's start on one core.
 */
final class VersionProbe {
    /** The longest status line read; Ollama's is "HTTP/1.1 200 OK". */
    private static final int MAX_STATUS_LINE = 256;

    private VersionProbe() {}

    /**
     * The status code Ollama at {@code upstream} answers GET /api/version with.
     *
     * @param answerWithin how long the answer's status line may take once connected
     * @throws java.net.ConnectException nothing listens there
     * @throws SocketTimeoutException no connection within the connect timeout, or no status line within
     *         {@code answerWithin} (its message says which, in words for the log)
     * @throws IOException anything else, including an answer that is not HTTP/1.x
     */
    static int status(Settings.Upstream upstream, Duration answerWithin) throws IOException {
        try (Socket s = new Socket(Proxy.NO_PROXY)) {
            try {
                s.connect(new InetSocketAddress(upstream.host(), upstream.port()), (int) upstream.connectTimeout().toMillis());
            } catch (SocketTimeoutException e) {
                throw new SocketTimeoutException("no connection within " + upstream.connectTimeout().toMillis() + " ms");
            }
            s.setSoTimeout((int) answerWithin.toMillis());
            OutputStream out = s.getOutputStream();
            out.write(("GET /api/version HTTP/1.1\r\nHost: " + upstream.hostHeader()
                    + "\r\nUser-Agent: corral-health\r\nAccept: application/json\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            try {
                return parse(statusLine(s.getInputStream()));
            } catch (SocketTimeoutException e) {
                throw new SocketTimeoutException("no answer within " + answerWithin.toSeconds() + " s");
            }
        }
    }

    /** The code of a status line such as "HTTP/1.1 200 OK". */
    static int parse(String line) throws IOException {
        if (line.length() >= 12 && line.startsWith("HTTP/1.") && line.charAt(8) == ' '
                && (line.length() == 12 || line.charAt(12) == ' ')) {
            String code = line.substring(9, 12);
            if (code.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return Integer.parseInt(code);
            }
        }
        throw new IOException("it did not answer GET /api/version with HTTP/1.x (it began: "
                + line.substring(0, Math.min(line.length(), 40)).replaceAll("[^ -~]", "?") + ")");
    }

    private static String statusLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b; (b = in.read()) != -1; ) {
            if (b == '\n') {
                return line.toString().strip();
            }
            if (line.length() == MAX_STATUS_LINE) {
                break;
            }
            line.append((char) b);
        }
        if (line.length() == 0) {
            throw new IOException("it closed the connection without an answer");
        }
        return line.toString();
    }
}
