#!/usr/bin/env python3
"""Model names for the name oracle: Ollama's own test cases, the edges of each part's grammar, source
suffixes, white space Go trims and Java does not, schemes, hosts with ports, and a seeded random mix
of the same ingredients. One JSON line per case: {"in": "..."}."""
import json, random

cases = [
    "registry.ollama.ai/library/dolphin-mistral:7b-v2.6-dpo-laser-q6_K", "scheme://host:port/namespace/model:tag",
    "host/namespace/model:tag", "host:port/namespace/model:tag", "host/namespace/model", "host:port/namespace/model",
    "namespace/model", "model", "h/nn/mm:t", "x" * 80 + "/" + "x" * 80 + "/" + "x" * 80 + ":" + "x" * 80,
    "h" * 350 + "/n/m:t", "h" * 351 + "/n/m:t", "n" * 81 + "/m", "m" * 81, "m:" + "t" * 81,
    "llama3", "llama3.2:3b", "gpt-oss:20b:cloud", "gpt-oss:20b-cloud", "gpt-oss:cloud", "qwen3:8b:local", "my-cloud-model",
    "foo:bar-cloud/baz", "foo:cloud:local", "foo:local:cloud", "   ", "", "gpt-oss: CLOUD ", "gpt-oss:120b-CLOUD",
    "x:\tcloud", "x:cloud\u00a0", "\u00a0llama3", "llama3\u2007", "llama3\u0085", "\u3000llama3", "llama3\u200b",
    "llama3@sha256:" + "0" * 64, "http://evil.com/ns/model", "HTTP://evil.com/ns/model", "https://registry.ollama.ai/library/llama3",
    "x:///ns/m", "://ns/m", "ftp://h/n/m", "evil.com/model", "a/b/c/d", "/llama3", "llama3/", "llama3:", ":tag", "ns//m",
    "library/llama3", "LIBRARY/Llama3:Latest", "registry.ollama.ai/llama3", "hf.co/user/model:Q4_K_M", "localhost:5000/ns/m",
    "localhost:5000/ns/m:cloud", "localhost:5000/m", "_a/_b/_c:_d", "-a/b/c", "a/-b/c", "a/b/-c", "a/b/c:-d", "a/b.c/d",
    "a/b/c.d:e.f", "a:b:c/d/e", "İ/llama", "llama:İ", "\u212aeep", "x:\u212a-cloud", "x:-cloud", "x:-CLOUD", "-cloud",
    "x:a-cloud-cloud", "x:cloud-cloud", "x:local-cloud", "x::cloud", "x:cloud:", "x:y:z", "x: local", "registry.ollama.ai:443/library/llama3",
]
random.seed(10)
parts = ["llama3", "gpt-oss", "ns", "library", "registry.ollama.ai", "host:5000", "hf.co", "a.b", "_x", "-x", "x-", "8b",
         ":", ":", "/", "/", "cloud", "-cloud", "local", "CLOUD", "Local", " ", "\t", "\u00a0", "\u2007", "\u0085",
         "http://", "HTTP://", "https://", "@sha256:ab", ".", "..", "_", "İ", "\u212a", "ı", "é", "//", "::", "latest", "Q4_K_M"]
seen = set(cases)
# Names built the way people write them, with source suffixes and spaces in the places they matter.
hosts = ["", "", "registry.ollama.ai/", "hf.co/", "localhost:5000/", "HTTP://plain.lan:8080/", "Models.Example.com/", "a_b/"]
spaces = ["", "", " ", "\t", "\u00a0", "\u2007", "\u0085", "\u3000"]
suffixes = ["", "", ":cloud", ":CLOUD", "-cloud", "-Cloud", ":local", ":cloud:local", ": cloud", ":cloud ", "-cloud/x", ":Local:cloud"]
while len(cases) < 1500:
    host = random.choice(hosts)
    ns = random.choice(["", "library/", "team/", "my-ns/", "a.b/"]) if host == "" else random.choice(["library/", "team/", "u_1/"])
    tag = random.choice(["", ":latest", ":8b", ":20b-q4_K_M", ":v1.2", ":-x", ":"])
    s = random.choice(spaces) + host + ns + random.choice(["llama3", "gpt-oss", "Qwen2.5", "m", "x-cloud"]) + tag \
        + random.choice(suffixes) + random.choice(spaces)
    if s not in seen:
        seen.add(s)
        cases.append(s)
while len(cases) < 4000:
    s = "".join(random.choice(parts) for _ in range(random.randint(1, 7)))
    if s not in seen:
        seen.add(s)
        cases.append(s)
for c in cases:
    print(json.dumps({"in": c}, ensure_ascii=False))
