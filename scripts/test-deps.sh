#!/usr/bin/env bash
# Installs what the test suite needs beyond a JDK, on Debian/Ubuntu, when it is missing:
# Node.js and npm, to run the real `ollama` and `openai` npm clients against the gateway;
# systemd's systemd-analyze, to score the units `corral harden` writes.
# Needs root (CI runs as root); a developer can run it with sudo, or skip it: the client
# tests are then skipped with the reason.
set -euo pipefail
need=()
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
if [ ${#need[@]} -gt 0 ]; then
  echo "test-deps: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
echo "test-deps: node $(node --version), npm $(npm --version 2>/dev/null), $(systemd-analyze --version | head -1)"
