#!/usr/bin/env bash
# Admission overhead: the same load through Corral with every admission check active (per-key
# rate, tokens, budgets, in-flight, fair queue) against Corral with them off, in front of the same
# simulator. Prints req/s of each and the ratio; appends the run to bench/RESULTS.md.
# Needs: wrk (apt-get install wrk; installed here when missing and running as root).
# Targets 127.0.0.1 only; each wrk run stops by itself after DURATION.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-15s}"
CONNECTIONS="${CONNECTIONS:-32}"
command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || {
  echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
# Build when the jar is missing or older than the sources (the launcher's own rule: src/main, pom.xml),
# so the run never measures a stale build.
if [ ! -f target/corral.jar ] || [ -n "$(find src/main pom.xml -newer target/corral.jar -print -quit)" ]; then
  echo "bench: building target/corral.jar (missing, or older than the sources) ..." >&2
  ./mvnw -q -B -DskipTests package
fi
JAVA="${JAVA:-java}"
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

sim=$(free_port)
"$JAVA" -jar target/corral.jar simulate --listen 127.0.0.1:"$sim" --tokens 12 >"$work/sim.log" 2>&1 & pids+=($!)
wait_port "$sim"
# Warm the simulator first, so neither gateway run pays for its JIT.
cat >"$work/sim.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"model":"llama3.2:3b","prompt":"benchmark prompt","stream":false,"options":{"num_predict":16}}'
wrk.headers["Content-Type"] = "application/json"
LUA
wrk -t2 -c"$CONNECTIONS" -d10s -s "$work/sim.lua" "http://127.0.0.1:$sim/api/generate" >/dev/null

run_gateway() { # name, extra env...
  local name="$1"; shift
  local port; port=$(free_port)
  mkdir -p "$work/$name"
  env CORRAL_STATE_DIR="$work/$name" CORRAL_ACCESS_LOG_LEVEL=OFF CORRAL_ADMISSION_UPSTREAM_CONCURRENCY=256 \
      CORRAL_ADMISSION_QUEUE_PER_KEY=1024 CORRAL_ADMISSION_QUEUE_SIZE=4096 "$@" \
      "$JAVA" -XX:+UseSerialGC -jar target/corral.jar serve --listen 127.0.0.1:"$port" --upstream http://127.0.0.1:"$sim" \
      >"$work/$name.log" 2>&1 &
  local gpid=$! # run_gateway runs in $(...): the EXIT trap's pids cannot see it, so it stops its gateway itself
  wait_port "$port" || { kill "$gpid" 2>/dev/null; echo "bench: $name did not start; see $work/$name.log" >&2; exit 1; }
  local key
  key=$(CORRAL_STATE_DIR="$work/$name" "$JAVA" -jar target/corral.jar keys create --name bench "${KEY_FLAGS[@]}" 2>/dev/null)
  sleep 1.5 # the server picks the key up within a second
  cat >"$work/$name.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"model":"llama3.2:3b","prompt":"benchmark prompt","stream":false,"options":{"num_predict":16}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $key"
LUA
  wrk -t2 -c"$CONNECTIONS" -d5s -s "$work/$name.lua" "http://127.0.0.1:$port/api/generate" >/dev/null # warm-up
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s "$work/$name.lua" "http://127.0.0.1:$port/api/generate" >"$work/$name.wrk"
  grep -E "Requests/sec|Non-2xx" "$work/$name.wrk" | sed "s/^/$name: /" >&2
  kill "$gpid" 2>/dev/null; wait "$gpid" 2>/dev/null || true
  awk '/Requests\/sec/ {print $2}' "$work/$name.wrk"
}

# Two rounds, alternating; the better run of each counts (less disturbed by the shared cores).
best() { python3 -c "import sys; print(max(float(x) for x in sys.argv[1:]))" "$@"; }
KEY_FLAGS=(--concurrency 0)
off1=$(run_gateway limits-off-1 CORRAL_ADMISSION_KEY_DEFAULTS_CONCURRENCY=0)
KEY_FLAGS=(--rpm 100000000 --tpm 100000000000 --daily-tokens 1e15 --monthly-tokens 1e15 --concurrency 100000)
on1=$(run_gateway limits-on-1)
KEY_FLAGS=(--concurrency 0)
off2=$(run_gateway limits-off-2 CORRAL_ADMISSION_KEY_DEFAULTS_CONCURRENCY=0)
KEY_FLAGS=(--rpm 100000000 --tpm 100000000000 --daily-tokens 1e15 --monthly-tokens 1e15 --concurrency 100000)
on2=$(run_gateway limits-on-2)
off=$(best "$off1" "$off2")
on=$(best "$on1" "$on2")
ratio=$(python3 -c "print(f'{$on/$off:.3f}')")
echo "limits off: $off req/s; limits on: $on req/s; on/off = $ratio"
{
  echo
  echo "## Admission overhead ($(date -u +%Y-%m-%d), bench/admission.sh)"
  echo
  echo "Same simulator (12 tokens, non-streaming /api/generate), wrk -t2 -c$CONNECTIONS -d$DURATION, 2 cores shared by wrk, Corral and the simulator."
  echo "Two alternating rounds, a fresh gateway process each; the better run of each counts (off: $off1, $off2; on: $on1, $on2)."
  echo
  echo "| gateway | req/s |"
  echo "|---|---|"
  echo "| limits off (no per-key limits; fair queue never waits) | $off |"
  echo "| limits on (rpm, tpm, daily and monthly budgets, in-flight, fair queue) | $on |"
  echo "| ratio on/off | $ratio |"
} >> bench/RESULTS.md
