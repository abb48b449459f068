package dev.corral.config;

import java.util.Map;

/**
 * One Ollama node of several (the {@code upstreams} list), validated: its name (labels.name, else
 * host:port) as metrics, status and admin calls show it, where it is, how many requests it runs at
 * once, its share of the load and its labels.
 */
public record UpstreamNode(String name, Settings.Upstream at, int slots, int weight, Map<String, String> labels) {}
