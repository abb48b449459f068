#!/usr/bin/env bash
# Metrics overhead, measured two ways; the budget is 3% CPU per request.
# 1. Two gateways in front of the same simulator, one recording metrics (metrics.enabled: true, the
#    default) and one not, loaded in turn with the same wrk load: PAIRS pairs of BURST-long runs, the
#    order flipped every pair (ABBA), so that what the neighbours on the shared cores do drifts over
#    both alike. ROUNDS rounds, each with two fresh processes started in the other order (two JVMs
#    of the same code differ by their JIT's choices). For each side: req/s, and its CPU time per
#    request (utime + stime from /proc over its bursts, divided by the requests wrk completed); the
#    ratio on/off of each round and of each pair, and the pairs' median.
# 2. The settle listener alone (src/test/.../metrics/ListenerCost): its thread CPU time per finished
#    exchange, which neighbours cannot inflate, as a share of the gateway's CPU per request from 1.
# Appends the run to bench/RESULTS.md.
# Needs: wrk (apt-get install wrk; installed here when missing and running as root).
# Targets 127.0.0.1 only; each wrk run stops by itself after BURST.
set -euo pipefail
cd "$(dirname "$0")/.."
BURST="${BURST:-5s}"
PAIRS="${PAIRS:-8}"
ROUNDS="${ROUNDS:-2}"
WARMUP="${WARMUP:-15s}"
CONNECTIONS="${CONNECTIONS:-32}"
command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || {
  echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
./mvnw -q -B -DskipTests package # always: a stale jar would measure old code
JAVA="${JAVA:-java}"
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

./mvnw -q -B test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
read -r listener_ns listener_bytes <<<"$("$JAVA" -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
    dev.corral.metrics.ListenerCost)"
echo "listener alone: $listener_ns ns CPU and $listener_bytes bytes allocated per exchange" >&2

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime, in clock ticks
TICKS="$(getconf CLK_TCK)"
BODY='{"model":"llama3.2:3b","prompt":"benchmark prompt","stream":false,"options":{"num_predict":16}}'

sim=$(free_port)
"$JAVA" -jar target/corral.jar simulate --listen 127.0.0.1:"$sim" --tokens 12 >"$work/sim.log" 2>&1 & pids+=($!)
wait_port "$sim"

declare -A port pid
start_gateway() { # name, metrics.enabled
  local name="$1" enabled="$2"
  port[$name]=$(free_port)
  rm -rf "${work:?}/$name"; mkdir -p "$work/$name"
  env CORRAL_STATE_DIR="$work/$name" CORRAL_ACCESS_LOG_LEVEL=OFF CORRAL_ADMISSION_UPSTREAM_CONCURRENCY=256 \
      CORRAL_ADMISSION_QUEUE_PER_KEY=1024 CORRAL_ADMISSION_QUEUE_SIZE=4096 CORRAL_METRICS_ENABLED="$enabled" \
      "$JAVA" -XX:+UseSerialGC -jar target/corral.jar serve --listen 127.0.0.1:"${port[$name]}" \
      --upstream http://127.0.0.1:"$sim" >"$work/$name.log" 2>&1 & pids+=($!)
  pid[$name]=$!
  wait_port "${port[$name]}"
  local key
  key=$(CORRAL_STATE_DIR="$work/$name" "$JAVA" -jar target/corral.jar keys create --name bench --concurrency 0 2>/dev/null)
  cat >"$work/$name.lua" <<LUA
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $key"
LUA
}
load() { # name, duration → the wrk output in $work/name.wrk
  wrk -t2 -c"$CONNECTIONS" -d"$2" -s "$work/$1.lua" "http://127.0.0.1:${port[$1]}/api/generate" >"$work/$1.wrk"
}
: >"$work/bursts"
burst() { # name, round, pair
  local before after
  before=$(cpu_ticks "${pid[$1]}")
  load "$1" "$BURST"
  after=$(cpu_ticks "${pid[$1]}")
  grep -q "Non-2xx" "$work/$1.wrk" && { echo "bench: $1 answered non-2xx:" >&2; cat "$work/$1.wrk" >&2; exit 1; }
  echo "$2 $3 $1 $(awk '/requests in/ {print $1}' "$work/$1.wrk") $((after - before))" >>"$work/bursts"
}
counted=0
for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then start_gateway off false; start_gateway on true
  else start_gateway on true; start_gateway off false; fi
  sleep 1.5 # each server picks its key up within a second
  load off "$WARMUP"; load on "$WARMUP" # the JIT, the simulator, the connection pools
  for i in $(seq 1 "$PAIRS"); do
    if [ $((i % 2)) = 1 ]; then burst off "$round" "$i"; burst on "$round" "$i"
    else burst on "$round" "$i"; burst off "$round" "$i"; fi
  done
  # The metrics must have counted what the recording gateway served (warm-up included).
  counted=$((counted + $(python3 - "$work/on/admin.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
data = b"".join(iter(lambda: s.recv(65536), b"")).decode()
print(int(sum(float(l.rsplit(" ", 1)[1]) for l in data.splitlines() if l.startswith("corral_requests_total{"))))
PY
)))
  kill "${pid[off]}" "${pid[on]}"; wait "${pid[off]}" "${pid[on]}" 2>/dev/null || true
done
read -r summary < <(python3 - "$work/bursts" "$BURST" "$TICKS" "$listener_ns" <<'PY'
import statistics, sys
path, burst, ticks, listener_ns = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
secs = float(burst.rstrip("s"))
runs = {}  # (round, pair) -> name -> (requests, ticks)
for line in open(path):
    rnd, pair, name, requests, used = line.split()
    runs.setdefault((int(rnd), int(pair)), {})[name] = (int(requests), int(used))
def totals(name, keys):
    req = sum(runs[k][name][0] for k in keys); cpu = sum(runs[k][name][1] for k in keys)
    return req / (secs * len(keys)), cpu / ticks * 1e6 / req
keys = sorted(runs)
(roff, coff), (ron, con) = totals("off", keys), totals("on", keys)
rounds = sorted({r for r, _ in keys})
per_round = [totals("on", [k for k in keys if k[0] == r])[1] / totals("off", [k for k in keys if k[0] == r])[1]
             for r in rounds]
cpu = lambda k, name: runs[k][name][1] / runs[k][name][0]
ratios = sorted(cpu(k, "on") / cpu(k, "off") for k in keys)
print(f"{roff:.0f} {coff:.1f} {ron:.0f} {con:.1f} {ron / roff:.3f} {con / coff:.3f} {statistics.median(ratios):.3f} "
      f"{listener_ns / 1000 / coff * 100:.2f} {','.join(f'{r:.2f}' for r in ratios)} {','.join(f'{r:.3f}' for r in per_round)}")
PY
)
read -r roff coff ron con rratio cratio cmedian share ratios rounds <<<"$summary"
echo "metrics off: $roff req/s, $coff µs CPU/request; on: $ron req/s, $con µs CPU/request ($counted requests counted)"
echo "on/off: req/s $rratio, CPU/request $cratio (by round: $rounds; pairs' median $cmedian; each: $ratios)"
echo "listener alone: $listener_ns ns per exchange = $share% of the gateway's CPU per request"
{
  echo
  echo "## Metrics overhead ($(date -u +%Y-%m-%d), bench/metrics.sh)"
  echo
  echo "Same simulator (12 tokens, non-streaming /api/generate), wrk -t2 -c$CONNECTIONS, 2 cores shared by wrk, both gateways and the"
  echo "simulator (and, in this run, whatever else the machine was doing); per-key limits off. Both gateways run at once and are"
  echo "loaded in turn: $ROUNDS rounds of two fresh processes (started in the other order each round), each round $PAIRS pairs of"
  echo "$BURST bursts, the order flipped every pair, after $WARMUP of warm-up each. CPU per request is the gateway process's"
  echo "user + system time over its bursts (/proc, $TICKS ticks/s) divided by the requests wrk completed."
  echo
  echo "| gateway | req/s | gateway CPU per request (µs) |"
  echo "|---|---|---|"
  echo "| metrics off (\`metrics.enabled: false\`) | $roff | $coff |"
  echo "| metrics on (the default: every exchange counted, histograms, tokens by key and model) | $ron | $con |"
  echo "| ratio on/off | $rratio | $cratio (by round: $rounds; median of the pairs: $cmedian) |"
  echo
  echo "CPU per request on/off of each pair, sorted: $ratios."
  echo
  echo "The settle listener alone (\`ListenerCost\`: 250 exchanges like a busy server's, 50 keys, 4 models, refusals; the"
  echo "thread's CPU time, least of 7 rounds of 2,000,000): $listener_ns ns and $listener_bytes bytes allocated per exchange,"
  echo "which is **$share%** of the gateway's CPU per request with metrics off."
} >> bench/RESULTS.md
