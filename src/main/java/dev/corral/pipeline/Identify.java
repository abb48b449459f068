package dev.corral.pipeline;

import dev.corral.refusal.Refusal;
import dev.corral.config.Cidr;
import java.net.InetAddress;
import java.util.List;

/**
 * who is on the other end. The client address is the TCP peer, unless the peer is a
 * configured trusted proxy: then X-Forwarded-For is read right to left and the first address that
 * is not itself a trusted proxy is the client. By default no proxy is trusted.
 */
public final class Identify implements Step {
    private final List<Cidr> trusted;

    public Identify(List<Cidr> trusted) {
        this.trusted = trusted;
    }

    @Override
    public Decision apply(Exchange exchange) {
        if (trusted.isEmpty() || !isTrusted(exchange.peer())) {
            return Decision.CONTINUE;
        }
        List<String> values = exchange.request().headers().getAll("X-Forwarded-For");
        InetAddress client = exchange.peer();
        outer:
        for (int v = values.size() - 1; v >= 0; v--) {
            String[] hops = values.get(v).split(",");
            for (int i = hops.length - 1; i >= 0; i--) {
                InetAddress hop = parseLiteral(hops[i].trim());
                if (hop == null) {
                    break outer;
                }
                client = hop;
                if (!isTrusted(hop)) {
                    break outer;
                }
            }
        }
        exchange.clientAddress(client);
        return Decision.CONTINUE;
    }

    private boolean isTrusted(InetAddress a) {
        for (Cidr c : trusted) {
            if (c.contains(a)) {
                return true;
            }
        }
        return false;
    }

    /** Parses an IP literal without ever doing a DNS lookup; null when it is not one. */
    static InetAddress parseLiteral(String s) {
        if (s.isEmpty() || s.length() > 45 || !s.matches("[0-9a-fA-F:.]+")) {
            return null;
        }
        if (s.indexOf(':') < 0 && !s.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            return null;
        }
        try {
            return InetAddress.getByName(s);
        } catch (Exception e) {
            return null;
        }
    }
}
