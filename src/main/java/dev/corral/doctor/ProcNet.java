package dev.corral.doctor;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Listening TCP sockets from /proc/net/tcp and tcp6, and which process owns one (through /proc/PID/fd). */
final class ProcNet {
    private ProcNet() {}

    /** A listening socket: its address, port and inode. */
    record Listener(InetAddress address, int port, String inode) {
        boolean wildcard() {
            return address.isAnyLocalAddress();
        }
    }

    static List<Listener> listeners(Host host) throws IOException {
        List<Listener> out = new ArrayList<>();
        for (String file : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            Path p = host.path(file);
            if (!Files.exists(p)) {
                continue;
            }
            List<String> lines = Files.readAllLines(p);
            for (int i = 1; i < lines.size(); i++) {
                String[] f = lines.get(i).trim().split("\\s+");
                if (f.length < 10 || !f[3].equals("0A")) { // 0A = TCP_LISTEN
                    continue;
                }
                int colon = f[1].indexOf(':');
                out.add(new Listener(address(f[1].substring(0, colon)), Integer.parseInt(f[1].substring(colon + 1), 16), f[9]));
            }
        }
        return out;
    }

    /** /proc/net/tcp prints each 32-bit word of the address in host (little-endian) order. */
    static InetAddress address(String hex) {
        byte[] b = new byte[hex.length() / 2];
        for (int word = 0; word < b.length / 4; word++) {
            for (int i = 0; i < 4; i++) {
                int at = (word * 4 + i) * 2;
                b[word * 4 + (3 - i)] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(hex, e);
        }
    }

    /** The pid and command name owning a socket inode, or null when no readable /proc/PID/fd holds it. */
    static String[] owner(Host host, String inode) {
        String target = "socket:[" + inode + "]";
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(host.path("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
                    for (Path fd : fds) {
                        try {
                            if (Files.readSymbolicLink(fd).toString().equals(target)) {
                                String comm = Files.readString(proc.resolve("comm")).strip();
                                return new String[] {proc.getFileName().toString(), comm};
                            }
                        } catch (IOException | UnsupportedOperationException ignored) {
                            // not a link, or gone
                        }
                    }
                } catch (IOException ignored) {
                    // another user's process: needs root
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }
}
