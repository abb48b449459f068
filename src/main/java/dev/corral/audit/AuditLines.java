package dev.corral.audit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads an audit log line by line as bytes, split on '\n' alone (never '\r': a line is exactly what
 * was hashed), noting a last line without its newline and never buffering more of one line than an
 * entry may be long.
 */
final class AuditLines implements Closeable {
    /**
     * @param number 1-based line number
     * @param bytes the line without its newline (at most the first {@link AuditLog#MAX_LINE_BYTES} when tooLong)
     * @param terminated whether a '\n' ended it
     * @param tooLong whether it was longer than any entry can be
     */
    record Line(long number, byte[] bytes, boolean terminated, boolean tooLong) {}

    private final InputStream in;
    private long number;

    AuditLines(Path file) throws IOException {
        this.in = new BufferedInputStream(Files.newInputStream(file), 64 * 1024);
    }

    /** The next line, or null at the end of the file. */
    Line next() throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(512);
        boolean tooLong = false;
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                return new Line(++number, buf.toByteArray(), true, tooLong);
            }
            if (buf.size() < AuditLog.MAX_LINE_BYTES) {
                buf.write(b);
            } else {
                tooLong = true;
            }
        }
        if (buf.size() == 0 && !tooLong) {
            return null;
        }
        return new Line(++number, buf.toByteArray(), false, tooLong);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
