#!/usr/bin/env bash
# Regenerates src/test/resources/gojson/golden.jsonl and folds.txt: the request bodies of scripts/go-oracle/cases.py
# decoded by Go's own encoding/json (scripts/go-oracle), the reference GoJsonOracleTest holds Corral's
# reader to. Needs Go >= 1.21 (its field-name folding is what Ollama, built with Go 1.26, uses):
# on Debian 12, apt-get install -t bookworm-backports golang-1.23-go. CI only replays the file.
set -euo pipefail
cd "$(dirname "$0")/.."
GO="${GO:-$(command -v go || echo /usr/lib/go-1.23/bin/go)}"
"$GO" version
out=src/test/resources/gojson/golden.jsonl
mkdir -p "$(dirname "$out")"
bin="$(mktemp -d)/go-oracle"
(cd scripts/go-oracle && GOFLAGS=-mod=mod "$GO" build -o "$bin" .)
python3 scripts/go-oracle/cases.py | "$bin" > "$out"
echo "go-oracle: $(wc -l < "$out") cases written to $out"
"$bin" -folds > src/test/resources/gojson/folds.txt
echo "go-oracle: $(wc -l < src/test/resources/gojson/folds.txt) non-ASCII runes fold onto ASCII letters"
