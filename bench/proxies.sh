#!/usr/bin/env bash
# Corral against nginx, HAProxy and Caddy (issue 11): each as a production streaming proxy (a
# bearer-token check, access log on, keep-alive upstream pool, no response buffering; configs in
# bench/proxies/) in front of the same `corral simulate`, and Corral as a user runs it (`./corral
# serve`, a key with high limits, usage records and the access log on). The proxy is pinned to one
# core, the simulator and every load generator to the other. Rounds alternate the order of the
# targets; within a round the steady phases are short bursts alternating between targets that all run
# side by side, and each burst's CPU per request is compared with nginx's burst next to it (this
# virtual machine's speed drifts by half over minutes, which swamps back-to-back phases). The figures
# are medians across rounds and pairs. Writes the table, with ratios to nginx, into the "Proxies"
# section of bench/RESULTS.md (other sections stay).
#
#   bash bench/proxies.sh            # full: 3 rounds, every JDK 17+ found in /usr/lib/jvm (~25 min)
#   bash bench/proxies.sh --quick    # 1 round, short phases, the launcher's JDK only (~3-6 min)
#   options: --rounds N  --jdk JAVA_HOME (repeatable)  --note TEXT (added to RESULTS.md)  --keep (keep logs)
#            --only nginx,corral (a subset, for trying things out; nginx is the base of every ratio)
#
# Installs nginx, haproxy, caddy and wrk with apt-get when they are missing (as root; no service is
# started by the install). Every server it starts listens on 127.0.0.1 and is stopped on exit; every
# load phase is bounded in count and time.
set -euo pipefail
cd "$(dirname "$0")/.."
here="$PWD"
gen="$here/bench/proxies/loadgen.py"

quick=0 rounds="" keep=0 note="" only="" jdks=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --rounds) rounds="${2:?--rounds needs a number}"; shift ;;
    --jdk) jdks+=("${2:?--jdk needs a JAVA_HOME}"); shift ;;
    --note) note="${2:?--note needs a text}"; shift ;;
    --only) only="${2:?--only needs a list such as nginx,corral}"; shift ;;
    --keep) keep=1 ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "proxies: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ "$quick" = 1 ]; then
  : "${rounds:=1}"; WARM=3; PAIRS=3; BURST=2; PACED_TOKENS=20; PACED_TPS=10; CANCEL_N=3
else
  : "${rounds:=3}"; WARM=10; PAIRS=5; BURST=2; PACED_TOKENS=50; PACED_TPS=10; CANCEL_N=10
fi
CONNS=64 STREAMS=1000 TTFT_TOKENS=10 TTFT_TPS=20 CANCEL_WAIT=2 FIRST_BYTE_DELAY=4

say() { printf 'proxies: %s\n' "$*" >&2; }

# ---- tools, from Debian when missing
missing=()
command -v nginx >/dev/null || missing+=(nginx)
command -v haproxy >/dev/null || missing+=(haproxy)
command -v caddy >/dev/null || missing+=(caddy)
command -v wrk >/dev/null || missing+=(wrk)
command -v taskset >/dev/null || missing+=(util-linux)
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { say "missing: ${missing[*]} (sudo apt-get install -y ${missing[*]})"; exit 1; }
  say "installing ${missing[*]} from Debian ..."
  guard=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then # the packages must not start their services on port 80
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && guard=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; } ||
    { [ -z "$guard" ] || rm -f /usr/sbin/policy-rc.d; say "apt-get install ${missing[*]} failed"; exit 1; }
  [ -z "$guard" ] || rm -f /usr/sbin/policy-rc.d
fi

# ---- cores: the proxy on one, everything else (this script and all it starts) on the other
ncpu=$(nproc)
if [ "$ncpu" -ge 2 ]; then
  PROXY_CPU=0 LOAD_CPU=1
  taskset -pc "$LOAD_CPU" $$ >/dev/null
  pin=(taskset -c "$PROXY_CPU")
else
  say "one core only: nothing is pinned, and the figures mean little"
  pin=()
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
# the interpreter itself, not a version manager's shim that starts a shell on every call (in the
# background, run "$PY" itself: $! of a backgrounded function is a subshell, and killing it would
# leave the interpreter running)
python3() { "$PY" "$@"; }
PY="$(command python3 -c 'import sys; print(sys.executable)')"

# ---- Corral's jar, built now if the sources are newer (so no phase below pays for a build)
./corral -V >/dev/null
exec_java() { bash -x ./corral -V 2>&1 >/dev/null | sed -n 's/^+ exec \([^ ]*\) .*/\1/p' | tail -1; }
jdk_home() { local b; b="$(readlink -f "$1")"; dirname "$(dirname "$b")"; }
jdk_version() { sed -n 's/^JAVA_VERSION="\(.*\)"/\1/p' "$1/release"; }
jdk_vendor() { sed -n 's/^IMPLEMENTOR="\(.*\)"/\1/p' "$1/release"; }
if [ ${#jdks[@]} -eq 0 ]; then
  jdks+=("$(jdk_home "$(exec_java)")")
  if [ "$quick" = 0 ]; then # every other major version 17+ installed, newest of each
    declare -A seen=(["$(jdk_version "${jdks[0]}" | cut -d. -f1)"]=1)
    for rel in $(ls -d /usr/lib/jvm/*/release 2>/dev/null | sort -rV); do
      h="$(dirname "$rel")"; [ -L "$h" ] && continue; [ -x "$h/bin/java" ] || continue
      major="$(jdk_version "$h" | cut -d. -f1)"
      [ -n "$major" ] && [ "$major" -ge 17 ] && [ -z "${seen[$major]:-}" ] && { seen[$major]=1; jdks+=("$h"); }
    done
  fi
fi

# ---- the work directory, and stopping everything this script started
work="$(mktemp -d /tmp/corral-proxies.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ "$keep" = 1 ]; then say "logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
results="$work/results.jsonl"
: >"$results"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }

# ---- the simulator (20 tokens = 21 NDJSON lines), the cancellation relay in front of it, the key
sim=$(free_port) relay=$(free_port) control=$(free_port)
./corral simulate --listen 127.0.0.1:"$sim" --tokens 20 >"$work/sim.log" 2>&1 & pids+=($!)
wait_port "$sim" || { say "the simulator did not start: $(tail -5 "$work/sim.log")"; exit 1; }
"$PY" "$gen" relay --listen "$relay" --upstream "$sim" --control "$control" --lifetime 7200 >"$work/relay.log" 2>&1 & pids+=($!)
wait_port "$control"
mkdir -p "$work/corral-state"
KEY=$(CORRAL_STATE_DIR="$work/corral-state" ./corral keys create --name bench --rpm 100000000 --tpm 100000000000 \
  --daily-tokens 1e15 --monthly-tokens 1e15 --concurrency 100000 2>/dev/null)
say "warming the simulator up ..."
python3 "$gen" wrk --port "$sim" --token "$KEY" --duration $((WARM * 3)) --workdir "$work" >/dev/null
python3 "$gen" wrk --port "$sim" --token "$KEY" --method GET --path /api/version --duration "$WARM" --workdir "$work" >/dev/null
python3 "$gen" ttft --port "$sim" --n 300 --window 1 --tokens "$TTFT_TOKENS" --tps "$TTFT_TPS" --timeout 30 >/dev/null

# ---- targets
targets=(nginx haproxy caddy)
declare -A label=([nginx]=nginx [haproxy]=HAProxy [caddy]=Caddy [direct]="direct (no proxy)")
declare -A version=([nginx]="$(nginx -v 2>&1 | sed 's#.*/##')" [haproxy]="$(haproxy -v | head -1 | awk '{print $3}')"
  [caddy]="$(caddy version | awk '{print $1}')")
declare -A jdk_of=()
for h in "${jdks[@]}"; do
  [ -r "$h/release" ] || { say "--jdk $h: no release file there"; exit 1; }
  v="$(jdk_version "$h")"; t="corral${v%%.*}"
  targets+=("$t"); jdk_of[$t]="$h"; label[$t]="Corral (JDK ${v%%.*})"; version[$t]="JDK $v ($(jdk_vendor "$h"), $(basename "$h"))"
done

# Starts target $1 in $work/$1-$2 in front of upstream port $3; sets PID and PORT.
start_target() {
  local t="$1" dir="$work/$1-$2" up="$3"
  PORT=$(free_port) DIR="$dir"
  mkdir -p "$dir"
  fill() { sed -e "s|@DIR@|$dir|g; s|@PORT@|$PORT|g; s|@UPSTREAM_PORT@|$up|g; s|@TOKEN@|$KEY|g" "$1" >"$2"; }
  # the /healthz poller starts first, so its own start-up is not timed; the clock starts at the launch
  rm -f "$dir/ready" "$dir/t0"
  "$PY" "$gen" healthz --port "$PORT" --t0-file "$dir/t0" --ready "$dir/ready" --timeout 120 >"$dir/healthz.json" &
  POLLER=$!
  pids+=("$POLLER")
  for _ in $(seq 1 400); do [ -e "$dir/ready" ] && break; sleep 0.05; done
  echo "$EPOCHREALTIME" >"$dir/t0"
  case "$t" in
    nginx)
      fill bench/proxies/nginx.conf "$dir/nginx.conf"
      "${pin[@]}" nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/out.log" 2>&1 & PID=$! ;;
    haproxy)
      fill bench/proxies/haproxy.cfg "$dir/haproxy.cfg"
      "${pin[@]}" haproxy -db -f "$dir/haproxy.cfg" >"$dir/access.log" 2>"$dir/out.log" & PID=$! ;;
    caddy)
      fill bench/proxies/Caddyfile "$dir/Caddyfile"
      XDG_CONFIG_HOME="$dir" XDG_DATA_HOME="$dir" "${pin[@]}" caddy run --config "$dir/Caddyfile" --adapter caddyfile \
        >"$dir/out.log" 2>&1 & PID=$! ;;
    corral*)
      cp -a "$work/corral-state" "$dir/state"
      # the access log is Corral's standard error; usage records go to corral.db in the state dir
      JAVA_HOME="${jdk_of[$t]}" CORRAL_STATE_DIR="$dir/state" CORRAL_ADMISSION_UPSTREAM_CONCURRENCY=4096 CORRAL_ADMIN_LISTEN=127.0.0.1:0 \
        CORRAL_ADMISSION_QUEUE_SIZE=8192 CORRAL_ADMISSION_QUEUE_PER_KEY=8192 \
        "${pin[@]}" ./corral serve --listen 127.0.0.1:"$PORT" --upstream http://127.0.0.1:"$up" >"$dir/out.log" 2>"$dir/access.log" &
      PID=$! ;;
  esac
  pids+=("$PID")
}
stop_target() { # stops $PID (and, through it, its workers); counts its access log lines
  kill -TERM "$PID" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
}
rec() { # round target phase extra-json loadgen-args...: runs a measurement, appends its record to results.jsonl
  local r="$1" t="$2" p="$3" extra="$4"; shift 4
  python3 "$gen" --tag "{\"round\":$r,\"target\":\"$t\",\"phase\":\"$p\"${extra:+,$extra}}" --append "$results" "$@"
}
healthz() { # waits (in this shell: the poller is its child) for the poller of the last start_target; sets MS
  wait "$POLLER" || true
  MS=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ms"])' "$DIR/healthz.json")
}

declare -A TPID=() TPORT=() TDIR=()
keep_target() { TPID[$1]="$PID"; TPORT[$1]="$PORT"; TDIR[$1]="$DIR"; }
use_target() { PID="${TPID[$1]}"; PORT="${TPORT[$1]}"; DIR="${TDIR[$1]}"; }

# One round: every target started fresh (start time and first seconds, one after the other), then all
# of them running side by side, idle but for the one under load: the steady phases go in short bursts
# that alternate between the targets (A B C, C B A, ...), so that a slow minute of the machine falls on
# every target alike and each burst has a neighbour in time to be compared with; then the paced streams
# and time to first token, target after target; then the cancellation runs.
run_round() { # round targets...
  local r="$1" t i code ms lines; shift
  local ts=("$@") rev=()
  for ((i = ${#ts[@]} - 1; i >= 0; i--)); do rev+=("${ts[$i]}"); done
  for t in "${ts[@]}"; do
    say "round $((r + 1))/$rounds: start $t (load $(cut -d' ' -f1 /proc/loadavg))"
    start_target "$t" "r$r" "$sim"
    healthz; ms="$MS"
    [ "$ms" != None ] || { say "$t did not answer /healthz: $(tail -5 "$work/$t-r$r/out.log" "$work/$t-r$r/access.log" 2>/dev/null)"; exit 1; }
    rec "$r" "$t" start "\"healthz_ms\":$ms" first5 --port "$PORT" --token "$KEY" --root "$PID" --workdir "$work" >/dev/null
    keep_target "$t"
  done
  for t in "${ts[@]}"; do
    use_target "$t"
    python3 "$gen" wrk --port "$PORT" --token "$KEY" --duration "$WARM" --workdir "$work" >/dev/null
    python3 "$gen" wrk --port "$PORT" --token "$KEY" --duration 3 --workdir "$work" --method GET --path /api/version >/dev/null
  done
  say "round $((r + 1))/$rounds: steady phases, ${PAIRS} pairs of ${BURST} s bursts per target (load $(cut -d' ' -f1 /proc/loadavg))"
  for phase in stream version; do
    for ((i = 0; i < PAIRS; i++)); do
      local seq=("${ts[@]}"); ((i % 2 == 1)) && seq=("${rev[@]}")
      for t in "${seq[@]}"; do
        use_target "$t"
        if [ "$phase" = stream ]; then
          rec "$r" "$t" stream "\"pair\":$i" wrk --port "$PORT" --token "$KEY" --root "$PID" --duration "$BURST" --workdir "$work" >/dev/null
        else
          rec "$r" "$t" version "\"pair\":$i" wrk --port "$PORT" --token "$KEY" --root "$PID" --duration "$BURST" --workdir "$work" \
            --method GET --path /api/version >/dev/null
        fi
      done
    done
  done
  for t in "${ts[@]}"; do
    use_target "$t"
    say "round $((r + 1))/$rounds: paced streams and time to first token, $t (load $(cut -d' ' -f1 /proc/loadavg))"
    rec "$r" "$t" paced "" paced --port "$PORT" --token "$KEY" --root "$PID" --n "$STREAMS" --ramp 1 \
      --tokens "$PACED_TOKENS" --tps "$PACED_TPS" --timeout $((PACED_TOKENS / PACED_TPS + 30)) >/dev/null
    # TTFT: first the same burst straight at the simulator (the baseline of this target), then through it
    rec "$r" "$t" direct "" ttft --port "$sim" --n "$STREAMS" --window 2 --tokens "$TTFT_TOKENS" --tps "$TTFT_TPS" --timeout 30 >/dev/null
    rec "$r" "$t" ttft "" ttft --port "$PORT" --token "$KEY" --n "$STREAMS" --window 2 --tokens "$TTFT_TOKENS" --tps "$TTFT_TPS" --timeout 30 >/dev/null
    # the bearer check is on: no key, no answer from upstream
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/api/generate" -d '{"model":"llama3.2:3b"}')
    [ "$code" = 401 ] || { say "$t answered $code, not 401, without a key"; exit 1; }
  done
  for t in "${ts[@]}"; do
    use_target "$t"
    stop_target
    lines=$(grep -c . "$work/$t-r$r/access.log" || true)
    printf '{"round":%d,"target":"%s","phase":"logs","access_log_lines":%d}\n' "$r" "$t" "$lines" >>"$results"
  done
  # cancellation: each target again, now in front of the relay
  i=0
  for t in "${ts[@]}"; do
    start_target "$t" "r$r-cancel" "$relay"
    healthz
    rec "$r" "$t" cancel "" cancel --port "$PORT" --token "$KEY" --control "$control" --n "$CANCEL_N" \
      --id-base $(((r * 10 + i) * 1000)) --wait "$CANCEL_WAIT" --first-byte-delay "$FIRST_BYTE_DELAY" >/dev/null
    stop_target
    i=$((i + 1))
  done
}

load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "$only" ]; then
  kept=(); for t in "${targets[@]}"; do [[ ",$only," == *",$t,"* || ( ",$only," == *",corral,"* && $t == corral* ) ]] && kept+=("$t"); done
  targets=("${kept[@]}")
fi
order=("${targets[@]}")
say "targets: ${targets[*]}; $rounds round(s)$([ "$quick" = 1 ] && echo ', quick')"
for ((r = 0; r < rounds; r++)); do
  n=${#order[@]} seq=()
  for ((i = 0; i < n; i++)); do
    # odd rounds walk the list backwards; even rounds forwards, starting one further each time
    if ((r % 2 == 1)); then seq+=("${order[$((n - 1 - i))]}"); else seq+=("${order[$(((i + r / 2) % n))]}"); fi
  done
  run_round "$r" "${seq[@]}"
done
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---- RESULTS.md
labels_json=$(for t in direct "${targets[@]}"; do printf '%s\n%s\n' "$t" "${label[$t]}"; done | python3 -c '
import json,sys; l=sys.stdin.read().splitlines(); print(json.dumps(dict(zip(l[::2], l[1::2]))))')
versions_json=$(for t in "${targets[@]}"; do printf '%s\n%s\n' "$t" "${version[$t]}"; done | python3 -c '
import json,sys; l=sys.stdin.read().splitlines(); print(json.dumps(dict(zip(l[::2], l[1::2]))))')
cpu_model="$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
mem_gb="$(awk '/MemTotal/ {printf "%.0f", $2/1048576}' /proc/meminfo)"
python3 - "$work/meta.json" <<PY
import json, sys
meta = {
  "date": "$(date -u +%Y-%m-%d)", "quick": $quick == 1, "rounds": $rounds,
  "targets": "${targets[*]}".split(),
  "labels": json.loads('''$labels_json'''), "versions": json.loads('''$versions_json'''),
  "load_start": "$load_start", "load_end": "$load_end",
  "machine": "$ncpu cores ($cpu_model), $mem_gb GiB, Linux $(uname -r); the proxy pinned to core ${PROXY_CPU:-none}, the simulator, the relay and the load generators to core ${LOAD_CPU:-none}.",
  "note": '''$note''',
  "params": {"warm": $WARM, "pairs": $PAIRS, "burst": $BURST, "conns": $CONNS, "streams": $STREAMS, "paced_tokens": $PACED_TOKENS,
             "paced_tps": $PACED_TPS, "ttft_tokens": $TTFT_TOKENS, "ttft_tps": $TTFT_TPS, "cancel_n": $CANCEL_N,
             "cancel_wait": $CANCEL_WAIT, "first_byte_delay": $FIRST_BYTE_DELAY},
}
json.dump(meta, open(sys.argv[1], "w"))
PY
out=bench/RESULTS.md
if [ -n "$only" ]; then # a subset never replaces the committed table
  out="$work/RESULTS.md"; cp bench/RESULTS.md "$out"; keep=1
fi
python3 "$gen" report --results "$results" --meta "$work/meta.json" --out "$out" >"$work/report.json"
say "written: $out (section \"Proxies\")"
sed -n '/^## Proxies/,/^Figures\|^Median/p' "$out"
