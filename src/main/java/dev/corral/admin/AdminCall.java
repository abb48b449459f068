package dev.corral.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * One admin API call as a handler sees it: the path parameters its route matched, the query, the
 * JSON body (an object; anything else is a 400 naming the problem) and who is calling.
 *
 * @param actor "uid:1000" for the socket (from SO_PEERCRED), "key:ID" for TCP with an admin key
 */
public record AdminCall(String method, Map<String, String> params, Map<String, List<String>> query, byte[] body,
                        String actor) {
    static final ObjectMapper JSON = new ObjectMapper();

    public String param(String name) {
        return params.get(name);
    }

    /** The body as a JSON object; an empty body is an empty object. */
    public ObjectNode json() {
        if (body == null || body.length == 0) {
            return JSON.createObjectNode();
        }
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (java.io.IOException e) {
            String m = e.getMessage() == null ? "malformed" : e.getMessage().split("\n")[0];
            throw AdminError.badRequest("the body is not valid JSON: " + m);
        }
        if (!(n instanceof ObjectNode o)) {
            throw AdminError.badRequest("the body must be a JSON object");
        }
        return o;
    }

    /** A query parameter's last value, or null. */
    public String query(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(v.size() - 1);
    }
}
