package dev.corral.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.route.Route;
import java.io.IOException;
import java.util.function.Predicate;

/** Removes from a model listing (/api/tags, /api/ps, /v1/models) the models a key may not see. */
public final class ListingFilter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ListingFilter() {}

    /** @return the filtered JSON; throws IOException when the listing is not the JSON expected */
    public static byte[] filter(byte[] body, Route.Listing listing, Predicate<String> visible) throws IOException {
        JsonNode root = JSON.readTree(body);
        if (!(root instanceof ObjectNode obj)) {
            throw new IOException("model listing is not a JSON object");
        }
        String arrayField = listing == Route.Listing.OPENAI_DATA ? "data" : "models";
        JsonNode arr = obj.get(arrayField);
        if (arr == null || arr.isNull()) {
            return body;
        }
        if (!(arr instanceof ArrayNode items)) {
            throw new IOException("model listing field '" + arrayField + "' is not an array");
        }
        ArrayNode kept = JSON.createArrayNode();
        for (JsonNode item : items) {
            String name = listing == Route.Listing.OPENAI_DATA ? item.path("id").asText(null)
                    : item.path("name").asText(item.path("model").asText(null));
            if (name != null && visible.test(name)) {
                kept.add(item);
            }
        }
        obj.set(arrayField, kept);
        return JSON.writeValueAsBytes(obj);
    }
}
