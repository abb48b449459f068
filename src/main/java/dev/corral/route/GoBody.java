package dev.corral.route;

import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Set;

/**
 * A request body as Ollama's decoder reads it: the values of the listed fields, and where each
 * top-level member sits in the bytes, so Corral can rewrite a field without re-encoding the rest
 * (a chat with images can be megabytes of base64). Valid only while the body buffer is.
 */
public final class GoBody {
    /** One top-level member: its key as written, the field it binds to (or null), the offset of its key. */
    record Member(String key, String field, long start) {}

    private final ByteBuf source;
    private final GoValues values;
    private final List<Member> members;
    private final long end;

    GoBody(ByteBuf source, GoValues values, List<Member> members, long end) {
        this.source = source;
        this.values = values;
        this.members = List.copyOf(members);
        this.end = end;
    }

    public GoValues values() {
        return values;
    }

    /** How many top-level members bind to {@code field}, in any spelling. */
    public int membersBoundTo(String field) {
        int n = 0;
        for (Member m : members) {
            if (field.equals(m.field())) {
                n++;
            }
        }
        return n;
    }

    /**
     * The body with every member bound to one of {@code fields} removed (whatever its spelling) and
     * {@code appended} ("\"name\":value" members, already encoded) added at the end: Ollama then
     * reads exactly the appended values for those fields, and everything else as before.
     */
    public byte[] replacing(Set<String> fields, String appended) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(source.readableBytes() + appended.length() + 2);
        out.write('{');
        boolean first = true;
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            if (m.field() != null && fields.contains(m.field())) {
                continue;
            }
            long next = i + 1 < members.size() ? members.get(i + 1).start() : end;
            int from = (int) m.start();
            int to = memberEnd((int) next, i + 1 < members.size());
            if (!first) {
                out.write(',');
            }
            first = false;
            byte[] bytes = new byte[to - from];
            source.getBytes(source.readerIndex() + from, bytes);
            out.writeBytes(bytes);
        }
        if (!appended.isEmpty()) {
            if (!first) {
                out.write(',');
            }
            out.writeBytes(appended.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        out.write('}');
        return out.toByteArray();
    }

    /** Where a member's value ends: before the whitespace (and comma, when another member follows) ahead of {@code next}. */
    private int memberEnd(int next, boolean comma) {
        int i = next;
        int base = source.readerIndex();
        while (i > 0 && isSpace(source.getByte(base + i - 1))) {
            i--;
        }
        if (comma && i > 0 && source.getByte(base + i - 1) == ',') {
            i--;
            while (i > 0 && isSpace(source.getByte(base + i - 1))) {
                i--;
            }
        }
        return i;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }
}
