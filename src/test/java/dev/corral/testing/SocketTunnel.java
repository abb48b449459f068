package dev.corral.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What {@code ssh -L 8080:/run/corral/admin.sock} gives an operator, on this machine: a loopback TCP
 * port whose every connection is carried, byte for byte, to the admin socket.
 */
public final class SocketTunnel implements AutoCloseable {
    private final ServerSocket server;
    private final List<java.io.Closeable> open = new CopyOnWriteArrayList<>();

    private SocketTunnel(ServerSocket server) {
        this.server = server;
    }

    public static SocketTunnel to(Path socket) throws IOException {
        SocketTunnel t = new SocketTunnel(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        Thread accept = new Thread(() -> t.accept(socket), "tunnel-accept");
        accept.setDaemon(true);
        accept.start();
        return t;
    }

    public int port() {
        return server.getLocalPort();
    }

    private void accept(Path socket) {
        while (!server.isClosed()) {
            try {
                Socket tcp = server.accept();
                SocketChannel unix = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                open.add(tcp);
                open.add(unix);
                // the channel's own read and write, not Channels' streams: those share one lock, and a
                // blocked read would keep the request from being written
                pump(tcp.getInputStream(), b -> {
                    java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b);
                    while (buf.hasRemaining()) {
                        unix.write(buf);
                    }
                }, unix);
                pump(new InputStream() {
                    @Override
                    public int read() {
                        throw new UnsupportedOperationException();
                    }

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        return unix.read(java.nio.ByteBuffer.wrap(b, off, len));
                    }
                }, b -> tcp.getOutputStream().write(b), tcp);
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private interface Sink {
        void write(byte[] b) throws IOException;
    }

    private static void pump(InputStream in, Sink out, java.io.Closeable to) {
        Thread t = new Thread(() -> {
            try (to) {
                byte[] b = new byte[16384];
                int n;
                while ((n = in.read(b, 0, b.length)) > 0) {
                    out.write(java.util.Arrays.copyOf(b, n));
                }
            } catch (IOException e) {
                // one side went away: the other closes
            }
        }, "tunnel-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (java.io.Closeable c : open) {
            try {
                c.close();
            } catch (IOException e) {
                // already closed
            }
        }
    }
}
