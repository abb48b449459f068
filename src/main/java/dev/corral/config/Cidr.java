package dev.corral.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An address range such as 10.0.0.0/8 or ::1/128; a bare address is a /32 or /128. */
public record Cidr(byte[] network, int prefix) {

    public static Cidr parse(String text) {
        String s = text.trim();
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        if (!addr.matches("[0-9a-fA-F:.]+")) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR range (example: 10.0.0.0/8)");
        }
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(addr).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR range");
        }
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "': prefix length is not a number");
            }
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("'" + text + "': prefix length must be 0-" + max);
            }
        }
        return new Cidr(bytes, prefix);
    }

    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xff << (8 - rest);
        return (a[full] & mask) == (network[full] & mask);
    }
}
