#!/usr/bin/env bash
# Grades Corral's TLS listener with testssl.sh (Debian package), as an outside judge would: a test
# CA and certificate (corral tls self-signed), Corral on 127.0.0.1 with TLS in front of the
# simulator, then a full testssl.sh run trusting that CA. Writes the findings summary to
# bench/testssl-summary.md and exits non-zero on any HIGH or CRITICAL finding or any protocol
# below TLS 1.2 offered. Targets 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v testssl >/dev/null || command -v testssl.sh >/dev/null || {
  [ "$(id -u)" = 0 ] && apt-get install -y -qq testssl.sh >/dev/null; } || { echo "testssl: install testssl.sh" >&2; exit 1; }
TESTSSL=$(command -v testssl || command -v testssl.sh)
[ -f target/corral.jar ] || ./mvnw -q -B -DskipTests package
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

java -jar target/corral.jar tls self-signed --host localhost --days 365 --out "$work/tls" 2>/dev/null
sim=$(free_port); gw=$(free_port)
java -jar target/corral.jar simulate --listen 127.0.0.1:"$sim" >"$work/sim.log" 2>&1 & pids+=($!)
CORRAL_STATE_DIR="$work/state" CORRAL_LISTEN_TLS_CERT="$work/tls/cert.pem" CORRAL_LISTEN_TLS_KEY="$work/tls/key.pem" \
  java -jar target/corral.jar serve --listen 127.0.0.1:"$gw" --upstream http://127.0.0.1:"$sim" >"$work/gw.log" 2>&1 & pids+=($!)
wait_port "$sim"; wait_port "$gw"

"$TESTSSL" --quiet --color 0 --warnings off --add-ca "$work/tls/ca.pem" --ip 127.0.0.1 --jsonfile "$work/out.json" \
  "https://localhost:$gw" >"$work/out.txt" 2>&1 || true

set +e
python3 - "$work/out.json" "$(head -1 "$work/out.txt" 2>/dev/null)" "$("$TESTSSL" --version 2>/dev/null | grep -m1 -o 'testssl.sh [^ ]*' || echo testssl.sh)" <<'PY' > bench/testssl-summary.md
import json, sys, collections
findings = json.load(open(sys.argv[1]))
by = collections.Counter(f["severity"] for f in findings)
# cert_* findings describe the certificate the operator installs (here a throw-away test CA with no
# revocation service), not Corral's TLS configuration; they are listed, and gated separately.
config = [f for f in findings if not f["id"].startswith("cert")]
bad = [f for f in config if f["severity"] in ("HIGH", "CRITICAL")]
protos = {f["id"]: f["finding"] for f in findings if f["id"] in ("SSLv2", "SSLv3", "TLS1", "TLS1_1", "TLS1_2", "TLS1_3")}
print("# testssl.sh against Corral's TLS listener\n")
print(f"Written by scripts/testssl.sh ({sys.argv[3]}), against `corral serve` with a `corral tls self-signed` certificate on 127.0.0.1; the test CA is trusted with --add-ca.\n")
print("| severity | findings |\n|---|---|")
for s in ("CRITICAL", "HIGH", "MEDIUM", "LOW", "WARN", "INFO", "OK"):
    print(f"| {s} | {by.get(s, 0)} |")
print("\n## Protocols\n")
for k in ("SSLv2", "SSLv3", "TLS1", "TLS1_1", "TLS1_2", "TLS1_3"):
    print(f"- {k}: {protos.get(k, '?')}")
print("\n## Findings above LOW in the TLS configuration (gated: no HIGH or CRITICAL)\n")
shown = [f for f in config if f["severity"] in ("CRITICAL", "HIGH", "MEDIUM")]
for f in shown:
    print(f"- {f['severity']} {f['id']}: {f['finding']}")
if not shown:
    print("- none")
print("\n## Findings about the test certificate itself (not gated)\n")
certs = [f for f in findings if f["id"].startswith("cert") and f["severity"] in ("CRITICAL", "HIGH", "MEDIUM")]
for f in certs:
    print(f"- {f['severity']} {f['id']}: {f['finding']}")
if not certs:
    print("- none")
print(f"\nResult: {'FAIL' if bad else 'PASS'} (no HIGH or CRITICAL configuration finding, no protocol below TLS 1.2)")
weak = [k for k in ("SSLv2", "SSLv3", "TLS1", "TLS1_1") if "not offered" not in protos.get(k, "not offered")]
sys.exit(1 if bad or weak else 0)
PY
status=$?
cat bench/testssl-summary.md
exit "$status"
