#!/usr/bin/env bash
# Fuzzes each Jazzer target in turn for FUZZ_SECONDS (default 60) and prints the executions reached.
# With --record, appends them to bench/RESULTS.md. A crash fails the run; Jazzer writes the input
# next to the target's committed corpus, where the normal test run then replays it.
# CI runs it with a short budget; a longer run: FUZZ_SECONDS=1800 bash scripts/fuzz.sh --record
#
# Maven runs once, to compile and to write the test classpath; each target then fuzzes in its own
# plain JVM through the JUnit Console Launcher (Jazzer's JUnit integration fuzzes only one test per
# JVM, and only with JAZZER_FUZZ=1). Starting Maven per target cost more than the fuzzing itself.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${FUZZ_SECONDS:-60}"
targets=("dev.corral.fuzz.FuzzTargetsTest#routeClassifier" "dev.corral.fuzz.FuzzTargetsTest#authHeaders"
         "dev.corral.pipeline.InspectFuzzTest#jsonInspector" "dev.corral.fuzz.FuzzTargetsTest#usageTap"
         "dev.corral.fuzz.FuzzTargetsTest#signatureHeaders")
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

cp_file=target/fuzz-classpath.txt
./mvnw -q -B test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >&2
classpath="target/test-classes:target/classes:$(cat "$cp_file")"

# Fuzzes target $1, writing the launcher's output to $2 and its exit status to $2.rc.
fuzz_one() {
  local rc=0
  # The same JVM flags as the suite (surefire's argLine in pom.xml): paranoid leak detection on.
  # JUnit's per-test timeout is off: a fuzzing session runs for FUZZ_SECONDS, however long that is.
  JAZZER_FUZZ=1 "$JAVA" -Dio.netty.leakDetection.level=paranoid -Dio.netty.leakDetection.targetRecords=8 -Xmx1g \
      -XX:-OmitStackTraceInFastThrow -Djazzer.max_duration="${SECONDS_EACH}s" \
      -cp "$classpath" org.junit.platform.console.ConsoleLauncher execute --disable-banner --disable-ansi-colors \
      --details=summary --fail-if-no-tests --config=junit.jupiter.execution.timeout.mode=disabled \
      --select-method "$1(com.code_intelligence.jazzer.api.FuzzedDataProvider)" >"$2" 2>&1 || rc=$?
  echo "$rc" >"$2.rc"
}

# FUZZ_JOBS targets at a time (default 1: each target has the machine to itself, so execution
# counts compare across runs); each still fuzzes for FUZZ_SECONDS.
JOBS="${FUZZ_JOBS:-1}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for ((i = 0; i < ${#targets[@]}; i += JOBS)); do
  for ((j = i; j < i + JOBS && j < ${#targets[@]}; j++)); do
    fuzz_one "${targets[$j]}" "$work/$j.log" &
  done
  wait
done

rows=()
failed=0
for j in "${!targets[@]}"; do
  t="${targets[$j]}"
  log="$work/$j.log"
  if [ "$(cat "$log.rc")" != 0 ]; then
    echo "fuzz: $t FAILED (a crashing input was found or the run broke):" >&2
    grep -E "== Java Exception|Caused by|at dev\\.corral|crash-|ERROR|Exception|tests failed" "$log" | head -30 >&2
    failed=1
    continue
  fi
  done_line=$(grep -E "^Done [0-9]+ runs" "$log" | tail -1 || true)
  if [ -z "$done_line" ]; then
    # the launcher passed, but Jazzer did not fuzz (skipped, or replayed its inputs only): no fuzzing happened
    echo "fuzz: $t did not fuzz:" >&2
    tail -20 "$log" >&2
    failed=1
    continue
  fi
  runs=$(echo "$done_line" | awk '{print $2}')
  cov=$(grep -E "#[0-9]+[[:space:]]+DONE" "$log" | tail -1 | grep -o 'cov: [0-9]*' | awk '{print $2}' || true)
  echo "fuzz: $t: ${runs:-?} executions in ${SECONDS_EACH}s, coverage ${cov:-?}"
  rows+=("| \`${t#dev.corral.}\` | ${runs:-?} | ${cov:-?} |")
done
[ "$failed" = 0 ] || exit 1
if [ "${1:-}" = "--record" ]; then
  {
    echo
    echo "## Fuzzing ($(date -u +%Y-%m-%d), scripts/fuzz.sh, ${SECONDS_EACH}s per target)"
    echo
    echo "Jazzer through the JUnit Console Launcher, one plain JVM per target, paranoid leak detection on, $JOBS target(s) at a time on the 2-core machine. No crash found."
    echo
    echo "| target | executions | coverage (edges) |"
    echo "|---|---|---|"
    printf '%s\n' "${rows[@]}"
  } >> bench/RESULTS.md
fi
