package dev.corral.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Which runner options each simulated model is loaded with, and the loads and reloads Ollama's
 * scheduler would do (server/sched.go needsReload): a request whose runner options (num_ctx,
 * num_batch, num_gpu, main_gpu, use_mmap, num_thread, draft_num_predict, after Options.FromMap over
 * the defaults) or context shift differ from the loaded model's reloads it; keep_alive 0 unloads it
 * after the request.
 */
final class SimScheduler {
    private static final Map<String, Object> DEFAULTS = defaults();

    private final SimRecorder recorder;
    private final Map<String, Map<String, Object>> loaded = new HashMap<>();

    SimScheduler(SimRecorder recorder) {
        this.recorder = recorder;
    }

    private static Map<String, Object> defaults() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("num_ctx", 4096L);
        m.put("num_batch", 512L);
        m.put("num_gpu", -1L);
        m.put("main_gpu", null);
        m.put("use_mmap", null);
        m.put("num_thread", 0L);
        m.put("draft_num_predict", 4L);
        m.put("shift", true);
        return m;
    }

    /** Schedules one request for {@code model}: loads, reloads or reuses its runner, and records what it asked. */
    synchronized void schedule(String requestId, String path, String model, JsonNode body) {
        JsonNode options = body.get("options");
        recorder.options(new SimRecorder.Options(requestId, path, model,
                options == null ? null : options.deepCopy(), body.get("keep_alive")));
        Map<String, Object> wanted = new LinkedHashMap<>(DEFAULTS);
        if (options != null && options.isObject()) {
            for (String name : DEFAULTS.keySet()) {
                JsonNode n = options.get(name);
                if (n == null || n.isNull() || name.equals("shift")) {
                    continue;
                }
                wanted.put(name, n.isBoolean() ? (Object) n.booleanValue() : (Object) (long) n.asDouble());
            }
        }
        JsonNode shift = body.get("shift");
        if (shift != null && shift.isBoolean()) {
            wanted.put("shift", shift.booleanValue());
        }
        Map<String, Object> current = loaded.get(model);
        if (current != null && ((Long) wanted.get("num_gpu")) < 0) {
            current = new LinkedHashMap<>(current); // num_gpu=-1 never reloads by itself
            current.put("num_gpu", -1L);
        }
        if (current == null) {
            recorder.loaded();
        } else if (!Objects.equals(current, wanted)) {
            recorder.reloaded();
        }
        loaded.put(model, wanted);
        JsonNode ka = body.get("keep_alive");
        if (ka != null && ((ka.isNumber() && ka.asDouble() == 0) || (ka.isTextual() && ka.asText().matches("0+[a-z]*")))) {
            loaded.remove(model);
        }
    }
}
