#!/usr/bin/env bash
# The launcher's own cost: `./corral -V` against the very command it execs (same JVM, same flags,
# `java ... -jar target/corral.jar -V`), RUNS times each, interleaved so that load from anything
# else on the machine hits both alike. Prints the medians and their difference, and appends them
# to bench/RESULTS.md.
#   bash bench/launcher.sh                      # the launcher in this tree
#   bash bench/launcher.sh --compare 27b4080    # also the launcher as it was at that git revision
# Env: RUNS (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-20}"
compare=""
[ "${1:-}" = "--compare" ] && compare="${2:?--compare needs a git revision}"

./corral -V >/dev/null # builds the jar first when it is stale, so no run below pays for a build
# The exact command a launcher execs, from its own trace (so this script never guesses the JVM).
exec_line() {
  local line
  line="$(bash -x "$1" -V 2>&1 >/dev/null | sed -n 's/^+ exec //p' | tail -1)"
  [ -n "$line" ] || { echo "bench: could not read the exec line of $1" >&2; exit 1; }
  printf '%s\n' "$line"
}
read -r -a direct_cmd <<<"$(exec_line ./corral)"

old=""
cleanup() { [ -z "$old" ] || rm -f "$old"; }
trap cleanup EXIT
if [ -n "$compare" ]; then
  old="./.corral-bench-$$" # beside the real one: the launcher finds target/ from its own directory
  git show "$compare:corral" >"$old"
  chmod +x "$old"
  # the old launcher may pick another JVM: its overhead is measured against its own exec line
  read -r -a old_direct_cmd <<<"$(exec_line "$old")"
fi

ms() { # runs "$@" once, prints its wall time in ms
  local t0 t1
  t0=$(date +%s%N)
  "$@" >/dev/null 2>&1
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000000))
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }

l=() d=() o=() od=()
for _ in $(seq "$RUNS"); do
  l+=("$(ms ./corral -V)")
  d+=("$(ms "${direct_cmd[@]}")")
  if [ -n "$old" ]; then
    o+=("$(ms "$old" -V)")
    od+=("$(ms "${old_direct_cmd[@]}")")
  fi
done
ml=$(printf '%s\n' "${l[@]}" | median)
md=$(printf '%s\n' "${d[@]}" | median)
echo "launcher: ./corral -V median ${ml} ms; direct: ${md} ms; launcher overhead $((ml - md)) ms (${RUNS} runs each)"
if [ -n "$old" ]; then
  mo=$(printf '%s\n' "${o[@]}" | median)
  mod=$(printf '%s\n' "${od[@]}" | median)
  echo "launcher at $compare: median ${mo} ms; its direct command ${mod} ms; overhead $((mo - mod)) ms"
fi

jdk() { basename "$(dirname "$(dirname "$(readlink -f "$1")")")"; }
{
  echo
  echo "## Launcher overhead ($(date -u +%Y-%m-%d), bench/launcher.sh)"
  echo
  echo "\`./corral -V\` against the command it execs (same JVM and flags, \`java ... -jar target/corral.jar -V\`),"
  echo "${RUNS} runs each, interleaved, medians; 2 cores shared with other work. Overhead = launcher - direct."
  echo
  echo "| launcher | JVM it picks | direct (ms) | launcher (ms) | overhead (ms) |"
  echo "|---|---|---|---|---|"
  echo "| \`./corral\` | $(jdk "${direct_cmd[0]}") | $md | $ml | $((ml - md)) |"
  [ -z "$old" ] || echo "| \`./corral\` as of \`$compare\` | $(jdk "${old_direct_cmd[0]}") | $mod | $mo | $((mo - mod)) |"
} >>bench/RESULTS.md
