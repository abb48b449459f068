"""Writes the proxies section of bench/RESULTS.md from the measurements of bench/proxies.sh.

Input: results.jsonl (one object per measurement: round, target, phase, figures) and meta.json
(mode, rounds, machine, versions). The section replaces any older "## Proxies" section; the other
sections of the file stay as they are.
"""
import json
import statistics

HEADING = "## Proxies"


def med(values):
    v = [x for x in values if x is not None]
    return statistics.median(v) if v else None


def fmt(x, digits=0):
    if x is None:
        return "n/a"
    return f"{x:,.{digits}f}"


def ratio(x, base):
    if x is None or not base:
        return "n/a"
    return f"{x / base:.2f}"


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    return rows


def cpu_us(r):
    """A burst's CPU time, µs."""
    return r["ticks"] * 1e6 / r["clk_tck"]


def burst_us(r):
    return cpu_us(r) / r["requests"] if r.get("requests") else None


def round_totals(recs):
    """Per round: (CPU µs per request, req/s) over all the round's bursts of one target and phase."""
    sums = {}
    for r in recs:
        if r.get("requests"):
            s = sums.setdefault(r["round"], [0, 0, 0.0])
            s[0] += cpu_us(r)
            s[1] += r["requests"]
            s[2] += r.get("took") or r.get("secs") or 0
    return {rd: (cpu / n, n / secs if secs else None) for rd, (cpu, n, secs) in sums.items()}


def paired(by, t, base, phase):
    """The median, over every pair of neighbouring bursts, of the target's CPU per request over the base's."""
    b = {(r["round"], r.get("pair")): burst_us(r) for r in by.get((base, phase), [])}
    ratios = [burst_us(r) / b[(r["round"], r.get("pair"))] for r in by.get((t, phase), [])
              if burst_us(r) and b.get((r["round"], r.get("pair")))]
    return med(ratios)


def figures(rows, targets):
    """Per target: the figures of the table (medians across rounds), and per round the raw ones."""
    by = {}
    for r in rows:
        by.setdefault((r["target"], r["phase"]), []).append(r)
    out = {}
    for t in targets:
        f = {}

        def per_req(phase, t=t):
            """CPU per request of each round: all its bursts' CPU over all their requests."""
            return [us for us, _ in round_totals(by.get((t, phase), [])).values()]

        def rps(phase, t=t):
            return [x for _, x in round_totals(by.get((t, phase), [])).values()]

        f["stream_us"] = med(per_req("stream"))
        f["stream_rps"] = med(rps("stream"))
        f["version_us"] = med(per_req("version"))
        f["version_rps"] = med(rps("version"))
        f["stream_rel"] = paired(by, t, "nginx", "stream")
        f["version_rel"] = paired(by, t, "nginx", "version")
        f["errors"] = sum(r.get("errors", 0) for k, rs in by.items() if k[0] == t for r in rs
                          if isinstance(r.get("errors", 0), int))
        paced = by.get((t, "paced"), [])
        f["paced_ms"] = med([r["cpu_ticks"] * 1e3 / r["clk_tck"] / r["completed"] for r in paced if r.get("completed")])
        f["paced_rss"] = med([r.get("peak_rss_mb") for r in paced])
        f["paced_rss_max"] = max([r.get("peak_rss_mb") for r in paced if r.get("peak_rss_mb")], default=None)
        ttft = by.get((t, "ttft"), [])
        direct = {r["round"]: r.get("p50_ms") for r in by.get((t, "direct"), [])}
        added = [r["p50_ms"] - direct[r["round"]] for r in ttft
                 if r.get("p50_ms") is not None and direct.get(r["round"]) is not None]
        f["direct_p50"] = med(direct.values())
        f["ttft_added"] = med(added)
        f["ttft_added_worst"] = max(added) if added else None
        f["ttft_p50"] = med([r.get("p50_ms") for r in ttft])
        p99 = [r["p99_ms"] for r in ttft if r.get("p99_ms") is not None]
        f["ttft_p99"] = (min(p99), max(p99)) if p99 else None
        cancel = by.get((t, "cancel"), [])
        for phase in ("mid", "pre"):
            vals = [v for r in cancel for v in r.get(phase, [])]
            nev = sum(1 for v in vals if v is None)
            f["cancel_" + phase] = ("never", None) if vals and nev * 2 >= len(vals) else ("ms", med(vals))
        f["access_log_lines"] = sum(r.get("access_log_lines", 0) for r in by.get((t, "logs"), []))
        start = by.get((t, "start"), [])
        f["healthz_ms"] = med([r.get("healthz_ms") for r in start])
        f["first5"] = med([sum(r["rps"]) / len(r["rps"]) for r in start if r.get("rps")])
        f["first1"] = med([r["rps"][0] for r in start if r.get("rps")])
        # the second (1 to 5) in which the rate first reached 90 % of the fifth second's: when it ran at
        # full speed, measured within the start itself (the steady phases run minutes later, at the
        # machine's speed of that moment)
        f["full_speed_s"] = med([next(i + 1 for i, v in enumerate(r["rps"]) if v >= 0.9 * r["rps"][-1])
                                 for r in start if r.get("rps")])
        out[t] = f
    return out


def table(f, targets, labels, wait):
    base = f.get("nginx", {})
    lines = ["| | " + " | ".join(labels[t] for t in targets) + " |", "|---" * (len(targets) + 1) + "|"]

    def row(name, cell):
        lines.append(f"| {name} | " + " | ".join(cell(t, f[t]) for t in targets) + " |")

    row("CPU per streamed request (21 NDJSON lines, unpaced), µs (relative, paired)",
        lambda t, x: f"{fmt(x['stream_us'], 1)} ({fmt(x['stream_rel'], 2)})")
    row("CPU per `GET /api/version`, µs (relative, paired)",
        lambda t, x: f"{fmt(x['version_us'], 1)} ({fmt(x['version_rel'], 2)})")
    row("`GET /api/version` req/s at 64 connections (relative)",
        lambda t, x: f"{fmt(x['version_rps'])} ({ratio(x['version_rps'], base.get('version_rps'))})")
    row("1000 token-paced streams: CPU per stream, ms (relative)",
        lambda t, x: f"{fmt(x['paced_ms'], 2)} ({ratio(x['paced_ms'], base.get('paced_ms'))})")
    row("1000 streams: peak RSS (all the proxy's processes)",
        lambda t, x: f"{fmt(x['paced_rss'])} MB")

    def ttft(t, x):
        if x["ttft_added"] is None:
            return "n/a"
        return f"{x['ttft_added']:+.1f} ms (worst {x['ttft_added_worst']:+.1f} ms)"

    row("time to first token while 1000 clients connect within 2 s: p50 added over direct (worst round)", ttft)
    row("same, p50 of the direct burst before it (the baseline)", lambda t, x: f"{fmt(x['direct_p50'], 1)} ms")
    row("same, p99 (range across rounds)",
        lambda t, x: "n/a" if not x["ttft_p99"] else (f"{x['ttft_p99'][0]:.0f} ms" if len(set(map(round, x['ttft_p99']))) == 1
                                                      else f"{x['ttft_p99'][0]:.0f}–{x['ttft_p99'][1]:.0f} ms"))

    def cancel(t, x):
        def one(c):
            return f"never (> {wait:g} s)" if c[0] == "never" else f"{fmt(c[1], 1)} ms"
        return f"{one(x['cancel_mid'])} / {one(x['cancel_pre'])}"

    row("cancel upstream after the client leaves (mid-stream / before first byte)", cancel)
    row("start to `/healthz` 200", lambda t, x: f"{fmt(x['healthz_ms'])} ms")
    row("streamed req/s in the first 5 s after `/healthz` 200 (first second), relative to its steady req/s",
        lambda t, x: f"{fmt(x['first5'])} ({fmt(x['first1'])}), {ratio(x['first5'], x['stream_rps'])}")
    row("second after `/healthz` 200 in which streamed req/s first reached 90 % of the fifth second's",
        lambda t, x: "n/a" if x["full_speed_s"] is None else f"{x['full_speed_s']:g}")
    row("steady streamed req/s at 64 connections (for reference)", lambda t, x: fmt(x["stream_rps"]))
    row("failed requests in all phases", lambda t, x: str(x["errors"]))
    row("access log lines written (all rounds, without the cancellation runs)", lambda t, x: f"{x['access_log_lines']:,}")
    return lines


def per_round(rows, targets, labels):
    lines = ["| round | target | stream µs/req | version µs/req | version req/s | paced ms/stream | peak RSS MB "
             "| TTFT p50 / p99 ms (direct p50) | cancel mid / pre ms | healthz ms | first 5 s req/s |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    rounds = sorted({r["round"] for r in rows})
    for rd in rounds:
        for t in targets:
            got = {r["phase"]: r for r in rows if r["round"] == rd and r["target"] == t}
            if not got:
                continue

            def g(phase, fn):
                r = got.get(phase)
                try:
                    return fn(r) if r else ""
                except (KeyError, TypeError, ZeroDivisionError):
                    return "n/a"

            def cms(v):
                return "n/a" if not v else "/".join("never" if x is None else f"{x:.1f}" for x in v)

            def steady(phase, i):
                tot = round_totals([r for r in rows if r["round"] == rd and r["target"] == t and r["phase"] == phase])
                v = tot.get(rd)
                return "" if not v or v[i] is None else (f"{v[i]:.1f}" if i == 0 else f"{v[i]:.0f}")

            lines.append("| " + " | ".join([
                str(rd + 1), labels.get(t, t),
                steady("stream", 0),
                steady("version", 0),
                steady("version", 1),
                g("paced", lambda r: f"{r['cpu_ticks'] * 1e3 / r['clk_tck'] / r['completed']:.2f}"),
                g("paced", lambda r: f"{r['peak_rss_mb']:.0f}"),
                g("ttft", lambda r: f"{r['p50_ms']:.1f} / {r['p99_ms']:.0f} ({got['direct']['p50_ms']:.1f})"),
                g("cancel", lambda r: f"{cms(r['mid'])} ; {cms(r['pre'])}"),
                g("start", lambda r: f"{r['healthz_ms']:.0f}"),
                g("start", lambda r: ", ".join(f"{x:.0f}" for x in r["rps"])),
            ]) + " |")
    return lines


def method(m):
    p = m["params"]
    return (
        "`bench/proxies.sh` starts one `corral simulate` (20 tokens per answer, so a streamed `/api/generate` is 21 "
        "NDJSON lines, unpaced: as fast as the client reads) and puts each target in front of it in turn: nginx, "
        "HAProxy and Caddy from Debian, configured as production streaming proxies (`bench/proxies/`: a bearer-token "
        "check, the access log on and written to a file, a keep-alive upstream pool, no response buffering, one "
        "worker or thread), and Corral as a user runs it: the `./corral serve` launcher with its default JVM "
        "settings, a key with every limit set high (rpm, tpm, daily and monthly tokens, concurrency), usage records "
        "and the access log on (standard error to a file), `admission.upstream_concurrency` 4096 so that no request "
        "waits for an Ollama slot. The proxy is pinned to core 0 with taskset, the simulator, the relay and every "
        "load generator (wrk, and Python asyncio clients in `bench/proxies/loadgen.py`) to core 1. Each round runs "
        "every target, the order rotated and reversed from round to round; each target starts fresh in each round. "
        f"In order: start to `/healthz` 200 (from before the launch, polled every 5 ms; nginx, HAProxy and Caddy "
        f"answer it themselves), then five one-second wrk runs of streamed requests at {p['conns']} connections "
        f"(req/s in the first 5 s after start). Once every target of the round has started, they all keep running, "
        f"idle but for the one under load: after a {p['warm']} s warm-up each, the steady phases go in {p['burst']} s "
        f"wrk bursts at {p['conns']} connections that alternate between the targets (A B C, then C B A), {p['pairs']} "
        "per target for streamed requests, then as many for `GET /api/version`, so that a slow stretch of the "
        "machine (it is a virtual machine whose speed drifts by half over minutes) falls on every target alike. CPU "
        "per request is the utime+stime of every process of the proxy (from /proc/PID/stat, the master and its "
        "workers for nginx) over a burst divided by the requests it completed; the µs figure is each round's total "
        "CPU over its total requests (median of the rounds), and \"relative, paired\" the median, over all bursts, "
        "of a burst's figure over nginx's burst next to it. The targets then take the rest in turn: "
        f"{p['streams']} token-paced streams ({p['paced_tokens']} tokens at "
        f"{p['paced_tps']:g}/s each, all started within 1 s): the proxy's CPU over the phase per stream, and the sum "
        f"of the RSS of its processes sampled every 50 ms (peak). Then time to first token: {p['streams']} clients "
        f"start within 2 s (evenly spaced), each timed from before its connect to the first complete NDJSON line "
        f"({p['ttft_tokens']} tokens at {p['ttft_tps']:g}/s); the same burst straight at the simulator in the same "
        "round, right before the target's, is `direct`, and \"added\" is the target's p50 minus that direct p50. Then each target is started again "
        "in front of a small TCP relay (asyncio) that timestamps, on CLOCK_MONOTONIC, when the proxy closes the "
        "upstream connection that carried a request; the client leaves after 3 lines of a paced stream "
        f"(mid-stream) or once the request has reached the relay while the simulator holds the first byte for "
        f"{p['first_byte_delay']:g} s (before first byte), and the delay is from its close to the proxy's; "
        f"{p['cancel_n']} of each, median; no close within {p['cancel_wait']:g} s counts as never. Every target "
        "also gets a request without a key, which must be answered 401."
    )


def write(a):
    rows = load(a.results)
    with open(a.meta) as f:
        meta = json.load(f)
    targets = meta["targets"]
    labels = meta["labels"]
    f = figures(rows, targets)
    m = meta
    sec = [f"{HEADING}: Corral against nginx, HAProxy and Caddy ({m['date']}, bench/proxies.sh{' --quick' if m['quick'] else ''})", ""]
    if m["quick"]:
        sec += ["**A `--quick` run**: one round and short phases, a check that the benchmark works, not the "
                "measurement. The figures that count come from a full run (`bash bench/proxies.sh`).", ""]
    if m.get("note"):
        sec += [m["note"], ""]
    sec += table(f, targets, labels, m["params"]["cancel_wait"])
    sec += ["",
            f"{'Median' if m['rounds'] > 1 else 'Figures'} of {m['rounds']} round{'s' if m['rounds'] > 1 else ''}; "
            "relative = against nginx (lower is better for CPU, higher for req/s).",
            "",
            "**Machine and run.** " + m["machine"] + f" Load average (1, 5, 15 min) at the start {m['load_start']}, "
            f"at the end {m['load_end']}. " + "; ".join(f"{labels[t]}: {m['versions'][t]}" for t in targets) + ".",
            "",
            "**Method.** " + method(m),
            "",
            "Per round and target (TTFT `direct` is the same burst straight at the simulator, just before):",
            ""]
    sec += per_round(rows, targets, labels)
    fails = [f"{labels.get(r['target'], r['target'])}, round {r['round'] + 1}, {r['phase']}: "
             + ", ".join(f"{n} {k}" for k, n in r["failures"].items())
             + "".join(f"; one ended: `{e[-80:]!r}`" for e in r.get("failed_endings", [])[:1])
             for r in rows if r.get("failures")]
    fails += [f"{labels.get(r['target'], r['target'])}, round {r['round'] + 1}, cancel: {e}"
              for r in rows if r.get("phase") == "cancel" for e in r.get("errors", [])]
    if fails:
        sec += ["", "Failed streams (how they failed):", ""] + [f"- {x}" for x in fails]
    text = "\n".join(sec) + "\n"

    with open(a.out) as fh:
        old = fh.read()
    lines = old.split("\n")
    start = next((i for i, l in enumerate(lines) if l.startswith(HEADING)), None)
    if start is None:
        # new: before the first section, right after the file's introduction
        start = next((i for i, l in enumerate(lines) if l.startswith("## ")), len(lines))
        end = start
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    new = "\n".join(lines[:start]) + ("\n" if start else "") + text + ("\n" + "\n".join(lines[end:]) if end < len(lines) else "")
    with open(a.out, "w") as fh:
        fh.write(new)
    return {"written": a.out, "figures": f}
