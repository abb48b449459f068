#!/usr/bin/env bash
# Regenerates src/test/resources/modelname/golden.jsonl: the names of scripts/name-oracle/cases.py parsed
# by Ollama's own code (types/model/name.go and internal/modelref/modelref.go, taken from an Ollama git
# repository at the commit given), the reference ModelNameOracleTest holds access/ModelName to.
# Usage: scripts/name-oracle.sh OLLAMA_GIT_DIR [COMMIT]   (default commit: HEAD). Needs Go >= 1.21:
# on Debian 12, apt-get install -t bookworm-backports golang-1.23-go. CI only replays the file.
set -euo pipefail
cd "$(dirname "$0")/.."
src="${1:?usage: scripts/name-oracle.sh OLLAMA_GIT_DIR [COMMIT]}"
rev="${2:-HEAD}"
GO="${GO:-$(command -v go || echo /usr/lib/go-1.23/bin/go)}"
"$GO" version
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp scripts/name-oracle/go.mod scripts/name-oracle/main.go "$work/"
mkdir -p "$work/model" "$work/modelref"
git -C "$src" show "$rev:types/model/name.go" > "$work/model/name.go"
git -C "$src" show "$rev:internal/modelref/modelref.go" > "$work/modelref/modelref.go"
commit="$(git -C "$src" rev-parse "$rev")"
(cd "$work" && GOFLAGS=-mod=mod "$GO" build -o oracle .)
out=src/test/resources/modelname/golden.jsonl
mkdir -p "$(dirname "$out")"
{ echo "{\"ollama_commit\":\"$commit\"}"; python3 scripts/name-oracle/cases.py | "$work/oracle"; } > "$out"
echo "name-oracle: $(($(wc -l < "$out") - 1)) names parsed by Ollama $commit into $out"
