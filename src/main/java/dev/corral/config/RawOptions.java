package dev.corral.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * policy.options (every key) and policy.key_options (per key name) as written, before validation
 * ({@link OptionRules#from}). Each default is the safe choice: callers cannot make a model reload,
 * pin it in memory forever, unload it for everyone, or replace its prompt template.
 */
public final class RawOptions {
    /** Largest num_ctx a caller may ask for, where it may set runner options at all; 0 = no maximum. */
    public long numCtxMax = 0;

    /** Largest completion a request may ask for (num_predict, max_tokens, max_output_tokens); 0 = no maximum. */
    public long numPredictMax = 0;

    /** The completion bound given to a request that sets none; 0 leaves Ollama's (unbounded, 10 × num_ctx). */
    public long numPredictDefault = 0;

    /** What a value above a maximum gets: clamp (lowered, said in X-Corral-Clamped) or refuse (400). */
    public String overMax = "clamp";

    /** keep_alive below this (0 unloads the model for everyone) is raised to it, unless allow_unload. */
    public String keepAliveMin = "1m";

    /** keep_alive above this, or negative (forever), is lowered to it, unless allow_forever for a negative one. */
    public String keepAliveMax = "30m";

    public boolean allowUnload = false;
    public boolean allowForever = false;

    /**
     * Callers may set the options that make Ollama reload a model (num_ctx up to num_ctx_max, num_batch,
     * num_gpu, main_gpu, use_mmap, num_thread, draft_num_predict, and "shift"). Otherwise they are removed,
     * or set to policy.options.runner's value.
     */
    public boolean allowRunnerOptions = false;

    /** /api/generate's "template" (replaces the model's prompt template). */
    public boolean allowTemplate = false;
    /** /api/generate's "system" (replaces the model's system prompt). */
    public boolean allowSystem = true;
    /** /api/generate's "raw": true (no template at all). */
    public boolean allowRaw = false;
    /** "_debug_render_only": true (returns the rendered prompt, the model's template included). */
    public boolean allowDebugRender = false;
    /** "think" other than false (thinking models spend many more tokens). */
    public boolean allowThink = true;

    /**
     * What /api/show tells this key: summary (details, capabilities, modified_at: no modelfile, template,
     * system prompt, parameters, licence or model_info) or full.
     */
    public String show = "summary";

    /** What /api/ps tells this key: full, or summary (without VRAM use and expiry). */
    public String ps = "full";

    /**
     * The operator's runner options: every inference request carries exactly these (num_ctx: 8192), so
     * no two requests differ in what would reload the model. Only in policy.options.
     */
    public Map<String, Object> runner = new LinkedHashMap<>();

    /** One key's overrides of policy.options; an absent field keeps policy.options' value. */
    public static final class Override {
        public Long numCtxMax;
        public Long numPredictMax;
        public Long numPredictDefault;
        public String overMax;
        public String keepAliveMin;
        public String keepAliveMax;
        public Boolean allowUnload;
        public Boolean allowForever;
        public Boolean allowRunnerOptions;
        public Boolean allowTemplate;
        public Boolean allowSystem;
        public Boolean allowRaw;
        public Boolean allowDebugRender;
        public Boolean allowThink;
        public String show;
        public String ps;
    }
}
