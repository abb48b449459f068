package dev.corral.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a reloaded configuration changes, and which of its changes wait for a restart: the
 * addresses Corral listens on, its state and TLS files (the certificates reload by themselves),
 * how often Ollama's health is probed, the usage journal, metrics on or off, sign-in settings (auth), the list of Ollama nodes (upstreams) and, with several nodes, upstream's fields, where limits are shared (limits.shared*), the store. Everything else (policy,
 * limits, where Ollama is and how connections to it are made (a new pool, the old one drained), queue sizes, timeouts of requests, CORS, trusted proxies, the access log) applies to new
 * requests at once. Field names are the settings' own, dotted for nested ones.
 */
public final class ConfigChanges {
    /** Settings a running server cannot change under its requests. */
    static final Set<String> NEED_RESTART = Set.of("listen", "insecurePlaintext", "stateDir", "tls", "admin", "usage", "metrics",
            "upstream.healthInterval", "auth", "upstreams", "sharedLimits", "store");

    private ConfigChanges() {}

    /** The fields whose values differ, e.g. "admission.keyDefaults.rpm". */
    public static List<String> changed(Settings before, Settings after) {
        List<String> out = new ArrayList<>();
        diff(before, after, "", out);
        return out;
    }

    /**
     * Of {@code changed}, those that wait for {@code running}'s restart: with several Ollama nodes,
     * also upstream's fields, since each node's connections were made with them at start.
     */
    public static List<String> needingRestart(Settings running, List<String> changed) {
        Set<String> restart = restartFields(running);
        return changed.stream().filter(f -> needsRestart(f, restart)).toList();
    }

    private static Set<String> restartFields(Settings running) {
        if (running.upstreams().isEmpty()) {
            return NEED_RESTART;
        }
        Set<String> all = new java.util.HashSet<>(NEED_RESTART);
        all.add("upstream");
        return all;
    }

    private static boolean needsRestart(String field, Set<String> restart) {
        for (String r : restart) {
            if (field.equals(r) || field.startsWith(r + ".")) {
                return true;
            }
        }
        return false;
    }

    /** {@code next}, with every field that needs a restart kept as it is in {@code running}. */
    public static Settings applicable(Settings running, Settings next) {
        return (Settings) merge(running, next, "", restartFields(running));
    }

    private static Object merge(Object running, Object next, String prefix, Set<String> restart) {
        if (running == null || next == null || !running.getClass().isRecord()) {
            return needsRestart(prefix.isEmpty() ? prefix : prefix.substring(0, prefix.length() - 1), restart) ? running : next;
        }
        RecordComponent[] comps = running.getClass().getRecordComponents();
        Object[] values = new Object[comps.length];
        Class<?>[] types = new Class<?>[comps.length];
        for (int i = 0; i < comps.length; i++) {
            String name = prefix + comps[i].getName();
            Object a = get(comps[i], running);
            Object b = get(comps[i], next);
            types[i] = comps[i].getType();
            if (needsRestart(name, restart)) {
                values[i] = a;
            } else if (a != null && b != null && a.getClass().isRecord() && restart.stream().anyMatch(r -> r.startsWith(name + "."))) {
                values[i] = merge(a, b, name + ".", restart);
            } else {
                values[i] = b;
            }
        }
        try {
            Constructor<?> c = running.getClass().getDeclaredConstructor(types);
            c.setAccessible(true);
            return c.newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot rebuild " + running.getClass().getSimpleName(), e);
        }
    }

    private static void diff(Object a, Object b, String prefix, List<String> out) {
        if (a != null && b != null && a.getClass().isRecord() && a.getClass() == b.getClass()) {
            for (RecordComponent rc : a.getClass().getRecordComponents()) {
                diff(get(rc, a), get(rc, b), prefix + rc.getName() + ".", out);
            }
        } else if (!Objects.equals(a, b)) {
            out.add(prefix.substring(0, prefix.length() - 1));
        }
    }

    private static Object get(RecordComponent rc, Object on) {
        try {
            rc.getAccessor().setAccessible(true);
            return rc.getAccessor().invoke(on);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
