#!/usr/bin/env bash
# Shared-limits overhead: the same load through Corral with every per-key limit on (rate, tokens,
# daily and monthly budgets, in-flight), kept in this process against kept in Redis
# (limits.shared: a redis-server started here on a free port, no persistence), in front of the same
# simulator. Corral runs as a user runs it: the ./corral launcher with its default JVM settings.
# Prints req/s of each, the CPU per request of Corral and of redis-server (from /proc/PID/stat over
# the measured run), and the ratio; appends the run to bench/RESULTS.md.
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
redis_pid=$!
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
  env CORRAL_STATE_DIR="$work/$name" CORRAL_ADMIN_LISTEN=off CORRAL_ACCESS_LOG_LEVEL=OFF CORRAL_ADMISSION_UPSTREAM_CONCURRENCY=256 \
      CORRAL_ADMISSION_QUEUE_PER_KEY=1024 CORRAL_ADMISSION_QUEUE_SIZE=4096 "$@" \
      ./corral serve --listen 127.0.0.1:"$port" --upstream http://127.0.0.1:"$sim" >"$work/$name.log" 2>&1 &
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
  local c0 r0 c1 r1
  c0=$(cpu_ticks "$gpid"); r0=$(cpu_ticks "$redis_pid")
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s "$work/$name.lua" "http://127.0.0.1:$port/api/generate" >"$work/$name.wrk"
  c1=$(cpu_ticks "$gpid"); r1=$(cpu_ticks "$redis_pid")
  grep -E "Requests/sec|Non-2xx" "$work/$name.wrk" | sed "s/^/$name: /" >&2
  kill "$gpid" 2>/dev/null; wait "$gpid" 2>/dev/null || true
  if grep -q "Non-2xx" "$work/$name.wrk"; then
    echo "bench: $name answered errors; see its log:" >&2; tail -5 "$work/$name.log" >&2; exit 1
  fi
  # req/s, then Corral's and redis-server's CPU per request in microseconds (clock ticks of 1/100 s)
  awk -v c="$((c1 - c0))" -v r="$((r1 - r0))" '/requests in/ {n=$1} /Requests\/sec/ {rps=$2}
      END {printf "%s %.1f %.1f\n", rps, c * 10000 / n, r * 10000 / n}' "$work/$name.wrk"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# Two rounds, alternating; the better run of each counts (less disturbed by the shared cores).
shared=(CORRAL_LIMITS_SHARED="redis://127.0.0.1:$redis/0")
local1=$(run_gateway in-process-1) || exit 1
redis1=$(run_gateway redis-1 "${shared[@]}") || exit 1
local2=$(run_gateway in-process-2) || exit 1
redis2=$(run_gateway redis-2 "${shared[@]}") || exit 1
read -r inproc inproc_cpu _ <<<"$(printf '%s\n%s\n' "$local1" "$local2" | sort -k1,1 -g -r | head -1)"
read -r inredis inredis_cpu redis_cpu <<<"$(printf '%s\n%s\n' "$redis1" "$redis2" | sort -k1,1 -g -r | head -1)"
ratio=$(python3 -c "print(f'{$inredis/$inproc:.3f}')")
echo "limits in process: $inproc req/s ($inproc_cpu us CPU per request); in Redis: $inredis req/s ($inredis_cpu us, redis-server $redis_cpu us); redis/in-process = $ratio"
{
  echo
  echo "## Shared limits: Redis against in-process ($(date -u +%Y-%m-%d), bench/cluster.sh)"
  echo
  echo "Same simulator (12 tokens, non-streaming /api/generate), one key with every limit on (rpm, tpm, daily and"
  echo "monthly budgets, in-flight), wrk -t2 -c$CONNECTIONS -d$DURATION; Corral run by its launcher (./corral serve, default JVM"
  echo "settings); 2 cores shared by wrk, Corral, the simulator and redis-server; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Two alternating rounds, a fresh gateway process each; the better run of each counts"
  echo "(req/s and CPU per request in us, in process: $local1; $local2; Redis: $redis1; $redis2)."
  echo
  echo "| limits kept | req/s | Corral CPU per request | redis-server CPU per request |"
  echo "|---|---|---|---|"
  echo "| in process (default) | $inproc | $inproc_cpu µs | — |"
  echo "| in Redis (limits.shared, one instance) | $inredis | $inredis_cpu µs | $redis_cpu µs |"
  echo "| ratio Redis/in-process (req/s) | $ratio | | |"
} >> bench/RESULTS.md
