package dev.corral.doctor;

import java.util.List;
import java.util.Map;

/** 2. Ollama's environment: the variables that open it to browsers, log prompts, spend the account, or bind everywhere. */
public final class EnvironmentCheck implements Check {

    @Override
    public List<Finding> run(Host host, DoctorOptions options) {
        OllamaProcess p = OllamaProcess.inspect(host, options.unit());
        if (p.sources.isEmpty()) {
            String why = "cannot read Ollama's environment: " + String.join("; ", p.problems);
            Finding.Reason r = p.systemdUnavailable;
            return List.of(skip("ollama.env.origins", "OLLAMA_ORIGINS is not a wildcard", r, why),
                    skip("ollama.env.debug_log_requests", "Ollama does not log request bodies", r, why),
                    skip("ollama.env.no_cloud", "Cloud models are off (OLLAMA_NO_CLOUD)", r, why),
                    skip("ollama.env.host", "OLLAMA_HOST is not all interfaces", r, why));
        }
        Map<String, String> env = p.env;
        String from = " (from " + p.describeSources() + ")";
        String dropIn = "in ollama.service.d/override.conf under [Service], then systemctl daemon-reload && systemctl restart ollama";
        Finding origins;
        String o = env.get("OLLAMA_ORIGINS");
        if (o != null && List.of(o.split(",")).stream().anyMatch(x -> x.trim().equals("*") || x.trim().endsWith("://*"))) {
            origins = Finding.fail("ollama.env.origins", "OLLAMA_ORIGINS is not a wildcard", "OLLAMA_ORIGINS=" + o + from
                    + ": any web page a user opens may call Ollama from their browser",
                    "remove OLLAMA_ORIGINS, or list exact origins " + dropIn);
        } else {
            origins = Finding.pass("ollama.env.origins", "OLLAMA_ORIGINS is not a wildcard",
                    o == null ? "OLLAMA_ORIGINS unset" + from : "OLLAMA_ORIGINS=" + o + from);
        }
        Finding debug;
        String d = env.get("OLLAMA_DEBUG_LOG_REQUESTS");
        if (d != null && !d.isBlank() && !d.equals("0") && !d.equalsIgnoreCase("false")) {
            debug = Finding.fail("ollama.env.debug_log_requests", "Ollama does not log request bodies",
                    "OLLAMA_DEBUG_LOG_REQUESTS=" + d + from + ": prompts are written to disk",
                    "remove OLLAMA_DEBUG_LOG_REQUESTS " + dropIn + ", and delete the logs it wrote");
        } else {
            debug = Finding.pass("ollama.env.debug_log_requests", "Ollama does not log request bodies",
                    "OLLAMA_DEBUG_LOG_REQUESTS unset" + from);
        }
        Finding cloud;
        String c = env.get("OLLAMA_NO_CLOUD");
        if (c == null || c.isBlank() || c.equals("0") || c.equalsIgnoreCase("false")) {
            cloud = Finding.warn("ollama.env.no_cloud", "Cloud models are off (OLLAMA_NO_CLOUD)",
                    "OLLAMA_NO_CLOUD is not set" + from + ": any caller can run ':cloud' models billed to the owner's"
                            + " ollama.com account (Corral refuses them, but Ollama itself does not)",
                    "Environment=\"OLLAMA_NO_CLOUD=1\" " + dropIn);
        } else {
            cloud = Finding.pass("ollama.env.no_cloud", "Cloud models are off (OLLAMA_NO_CLOUD)", "OLLAMA_NO_CLOUD=" + c + from);
        }
        Finding bind;
        String h = env.get("OLLAMA_HOST");
        if (BindCheck.allInterfaces(h)) {
            bind = Finding.fail("ollama.env.host", "OLLAMA_HOST is not all interfaces", "OLLAMA_HOST=" + h + from,
                    BindCheck.DROP_IN_FIX);
        } else {
            bind = Finding.pass("ollama.env.host", "OLLAMA_HOST is not all interfaces",
                    (h == null ? "OLLAMA_HOST unset (127.0.0.1:11434)" : "OLLAMA_HOST=" + h) + from);
        }
        return List.of(origins, debug, cloud, bind);
    }

    private static Finding skip(String id, String title, Finding.Reason reason, String why) {
        return reason == null ? Finding.skip(id, title, why) : Finding.skip(id, title, reason, why);
    }
}
