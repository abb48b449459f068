package dev.corral.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.util.RawValue;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/**
 * The simulator's embedding vectors and their encodings. A vector is a pure function of the input text
 * (String.hashCode, so the same on every run and JVM), DIMENSIONS float32 components, L2-normalized the way
 * Ollama's EmbedHandler normalizes (server/routes.go normalize). The OpenAI route's encoding_format follows
 * Ollama's middleware/openai.go and openai/openai.go: "float" (or absent) gives a JSON array, "base64" gives
 * the float32 components as little-endian bytes in standard base64, matched case-insensitively (Go's strings.EqualFold).
 */
final class Embeddings {
    static final int DIMENSIONS = 8;

    private Embeddings() {}

    /** The raw (unnormalized) vector for one input, what /api/embeddings returns. */
    static float[] raw(String input) {
        int h = input.hashCode();
        float[] v = new float[DIMENSIONS];
        for (int i = 0; i < DIMENSIONS; i++) {
            v[i] = (float) (((h >>> i) & 0xff) / 255.0);
        }
        return v;
    }

    /** The normalized vector for one input, what /api/embed and /v1/embeddings return. */
    static float[] normalized(String input) {
        float[] v = raw(input);
        float sum = 0;
        for (float x : v) {
            sum += x * x;
        }
        float norm = (float) (1.0 / Math.max(Math.sqrt(sum), 1e-12));
        for (int i = 0; i < v.length; i++) {
            v[i] *= norm;
        }
        return v;
    }

    /** A []float32 as Go's encoding/json writes it. */
    static void addFloat32s(ArrayNode arr, float[] v) {
        for (float x : v) {
            arr.addRawValue(new RawValue(GoFloats.float32(x)));
        }
    }

    /** A []float64 holding float32 values (/api/embeddings), as Go's encoding/json writes it. */
    static void addFloat64s(ArrayNode arr, float[] v) {
        for (float x : v) {
            arr.addRawValue(new RawValue(GoFloats.float64(x)));
        }
    }

    /** Ollama's floatsToBase64: binary.Write little-endian float32s, base64.StdEncoding (padded). */
    static String base64(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return Base64.getEncoder().encodeToString(b.array());
    }

    /** The encoding_format values Ollama accepts: empty (absent), "float" or "base64", in any case. */
    static boolean validFormat(String format) {
        return format.isEmpty() || format.equalsIgnoreCase("float") || format.equalsIgnoreCase("base64");
    }

    static boolean isBase64(String format) {
        return format.equalsIgnoreCase("base64");
    }
}
