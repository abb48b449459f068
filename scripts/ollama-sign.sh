#!/usr/bin/env bash
# Regenerates src/test/resources/auth/ollama-signatures.json: requests signed as the `ollama` CLI signs
# them with OLLAMA_AUTH=1 (scripts/ollama-sign, Go standard library only), which OllamaSignatureTest
# verifies. Needs Go >= 1.19 (Debian 12: apt-get install golang-1.19-go); CI only replays the file.
set -euo pipefail
cd "$(dirname "$0")/.."
GO="${GO:-$(command -v go || ls /usr/lib/go-1.*/bin/go 2>/dev/null | tail -1)}"
(cd scripts/ollama-sign && GOFLAGS=-mod=mod GOPROXY=off "$GO" run .) > src/test/resources/auth/ollama-signatures.json
echo "ollama-sign: vectors written to src/test/resources/auth/ollama-signatures.json"
