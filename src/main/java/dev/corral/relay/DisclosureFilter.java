package dev.corral.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Set;

/**
 * Cuts what /api/show and /api/ps disclose down to a summary, for keys whose
 * policy says so: show keeps the model's details and capabilities (what clients need to pick a model)
 * without its modelfile, template, system prompt, parameters, licence or model_info; ps keeps the
 * loaded models without their VRAM use and expiry.
 */
public final class DisclosureFilter {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What a summary of /api/show keeps. */
    static final Set<String> SHOW_SUMMARY = Set.of("details", "capabilities", "modified_at");
    /** What a summary of /api/ps drops from each model. */
    static final Set<String> PS_HIDDEN = Set.of("size_vram", "expires_at");

    private DisclosureFilter() {}

    public static byte[] showSummary(byte[] body) throws IOException {
        ObjectNode root = object(body);
        root.retain(SHOW_SUMMARY);
        return JSON.writeValueAsBytes(root);
    }

    public static byte[] psSummary(byte[] body) throws IOException {
        ObjectNode root = object(body);
        JsonNode models = root.get("models");
        if (models != null && models.isArray()) {
            for (JsonNode m : models) {
                if (m instanceof ObjectNode o) {
                    o.remove(PS_HIDDEN);
                }
            }
        } else if (models != null && !models.isNull()) {
            throw new IOException("/api/ps: models is not an array");
        }
        return JSON.writeValueAsBytes(root);
    }

    private static ObjectNode object(byte[] body) throws IOException {
        JsonNode root = JSON.readTree(body);
        if (!(root instanceof ObjectNode o)) {
            throw new IOException("not a JSON object");
        }
        return o;
    }
}
