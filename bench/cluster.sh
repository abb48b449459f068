#!/usr/bin/env bash
# Shared-limits overhead: the same load through Corral with every per-key limit on (rate, tokens,
# daily and monthly budgets, in-flight), kept in this process against kept in Redis
# (limits.shared: a redis-server started here on a free port, no persistence), in front of the same
# simulator. Prints req/s of each and the ratio; appends the run to bench/RESULTS.md.
# Needs: wrk and redis-server (apt-get install wrk redis-server; installed when missing and root).
# Targets 127.0.0.1 only; each wrk run stops by itself after DURATION.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-15s}"
CONNECTIONS="${CONNECTIONS:-32}"
for tool in wrk redis-server; do
  command -v "$tool" >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq "$tool" >/dev/null; } || {
    echo "bench: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done
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

redis=$(free_port)
redis-server --port "$redis" --bind 127.0.0.1 --save '' --appendonly no --unixsocket '' --dir "$work" \
  --loglevel warning >"$work/redis.log" 2>&1 & pids+=($!)
wait_port "$redis"
sim=$(free_port)
"$JAVA" -jar target/corral.jar simulate --listen 127.0.0.1:"$sim" --tokens 12 >"$work/sim.log" 2>&1 & pids+=($!)
wait_port "$sim"
cat >"$work/sim.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"model":"llama3.2:3b","prompt":"benchmark prompt","stream":false,"options":{"num_predict":16}}'
wrk.headers["Content-Type"] = "application/json"
LUA
wrk -t2 -c"$CONNECTIONS" -d10s -s "$work/sim.lua" "http://127.0.0.1:$sim/api/generate" >/dev/null # warm the simulator

run_gateway() { # name, extra env...
  local name="$1"; shift
  local port; port=$(free_port)
  mkdir -p "$work/$name"
  env CORRAL_STATE_DIR="$work/$name" CORRAL_ACCESS_LOG_LEVEL=OFF CORRAL_ADMISSION_UPSTREAM_CONCURRENCY=256 \
      CORRAL_ADMISSION_QUEUE_PER_KEY=1024 CORRAL_ADMISSION_QUEUE_SIZE=4096 "$@" \
      "$JAVA" -XX:+UseSerialGC -jar target/corral.jar serve --listen 127.0.0.1:"$port" --upstream http://127.0.0.1:"$sim" \
      >"$work/$name.log" 2>&1 &
  local gpid=$! # run_gateway runs in $(...): the EXIT trap's pids cannot see it, so it stops its gateway itself
  if ! wait_port "$port"; then
    echo "bench: $name did not start; its log:" >&2; tail -5 "$work/$name.log" >&2; kill "$gpid" 2>/dev/null; exit 1
  fi
  local key
  key=$(CORRAL_STATE_DIR="$work/$name" "$JAVA" -jar target/corral.jar keys create --name bench --rpm 100000000 \
      --tpm 100000000000 --daily-tokens 1e15 --monthly-tokens 1e15 --concurrency 100000 2>/dev/null)
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
  if grep -q "Non-2xx" "$work/$name.wrk"; then
    echo "bench: $name answered errors; see its log:" >&2; tail -5 "$work/$name.log" >&2; exit 1
  fi
  awk '/Requests\/sec/ {print $2}' "$work/$name.wrk"
}

# Two rounds, alternating; the better run of each counts (less disturbed by the shared cores).
best() { python3 -c "import sys; print(max(float(x) for x in sys.argv[1:]))" "$@"; }
shared=(CORRAL_LIMITS_SHARED="redis://127.0.0.1:$redis/0")
local1=$(run_gateway in-process-1) || exit 1
redis1=$(run_gateway redis-1 "${shared[@]}") || exit 1
local2=$(run_gateway in-process-2) || exit 1
redis2=$(run_gateway redis-2 "${shared[@]}") || exit 1
inproc=$(best "$local1" "$local2")
inredis=$(best "$redis1" "$redis2")
ratio=$(python3 -c "print(f'{$inredis/$inproc:.3f}')")
echo "limits in process: $inproc req/s; in Redis: $inredis req/s; redis/in-process = $ratio"
{
  echo
  echo "## Shared limits: Redis against in-process ($(date -u +%Y-%m-%d), bench/cluster.sh)"
  echo
  echo "Same simulator (12 tokens, non-streaming /api/generate), one key with every limit on (rpm, tpm, daily and"
  echo "monthly budgets, in-flight), wrk -t2 -c$CONNECTIONS -d$DURATION; 2 cores shared by wrk, Corral, the simulator"
  echo "and redis-server. Two alternating rounds, a fresh gateway process each; the better run of each counts"
  echo "(in process: $local1, $local2; Redis: $redis1, $redis2)."
  echo
  echo "| limits kept | req/s |"
  echo "|---|---|"
  echo "| in process (default) | $inproc |"
  echo "| in Redis (limits.shared, one instance) | $inredis |"
  echo "| ratio Redis/in-process | $ratio |"
} >> bench/RESULTS.md
