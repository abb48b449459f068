#!/usr/bin/env bash
# Fuzzes each Jazzer target in turn for FUZZ_SECONDS (default 60) and prints the executions reached.
# With --record, appends them to bench/RESULTS.md. A crash fails the run; Jazzer writes the input
# next to the target's committed corpus, where the normal test run then replays it.
# CI runs it with a short budget; a longer run: FUZZ_SECONDS=1800 bash scripts/fuzz.sh --record
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${FUZZ_SECONDS:-60}"
targets=("dev.corral.fuzz.FuzzTargetsTest#routeClassifier" "dev.corral.fuzz.FuzzTargetsTest#authHeaders"
         "dev.corral.gateway.InspectFuzzTest#jsonInspector" "dev.corral.fuzz.FuzzTargetsTest#usageTap")
rows=()
for t in "${targets[@]}"; do
  log="$(mktemp)"
  if ! JAZZER_FUZZ=1 ./mvnw -q -B test -Dtest="$t" -Djazzer.max_duration="${SECONDS_EACH}s" -Dsurefire.failIfNoSpecifiedTests=false >"$log" 2>&1; then
    echo "fuzz: $t FAILED (a crashing input was found or the run broke):" >&2
    grep -E "== Java Exception|Caused by|at dev\\.corral|crash-|ERROR" "$log" | head -30 >&2
    rm -f "$log"
    exit 1
  fi
  done_line=$(grep -E "^Done [0-9]+ runs" "$log" | tail -1)
  runs=$(echo "$done_line" | awk '{print $2}')
  cov=$(grep -E "#[0-9]+[[:space:]]+DONE" "$log" | tail -1 | grep -o 'cov: [0-9]*' | awk '{print $2}')
  echo "fuzz: $t: ${runs:-?} executions in ${SECONDS_EACH}s, coverage ${cov:-?}"
  rows+=("| \`${t#dev.corral.}\` | ${runs:-?} | ${cov:-?} |")
  rm -f "$log"
done
if [ "${1:-}" = "--record" ]; then
  {
    echo
    echo "## Fuzzing ($(date -u +%Y-%m-%d), scripts/fuzz.sh, ${SECONDS_EACH}s per target)"
    echo
    echo "Jazzer through JUnit, paranoid leak detection on, one target at a time on the 2-core machine. No crash found."
    echo
    echo "| target | executions | coverage (edges) |"
    echo "|---|---|---|"
    printf '%s\n' "${rows[@]}"
  } >> bench/RESULTS.md
fi
