#!/usr/bin/env bash
# Installs what the test suite needs beyond a JDK, on Debian/Ubuntu, when it is missing:
# Node.js and npm, to run the real `ollama` and `openai` npm clients against the gateway;
# systemd's systemd-analyze, to score the units `corral harden` writes;
# lintian and curl for packaging/test-deb.sh, which builds, lints, installs and runs the .deb
# (dpkg-deb, adduser, setpriv, runuser, unshare and nsenter are in every Debian system already);
# chromium and chromium-driver, the real browser the console's tests drive headless (Selenium);
# redis-server, the real Redis the shared-limits tests start on random ports in temp dirs.
# postgresql, the server the PostgreSQL store's tests start in a temp dir (as the postgres user).
# Needs root (CI runs as root); a developer can run it with sudo, or skip it: the client
# tests are then skipped with the reason.
set -euo pipefail
need=()
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
command -v lintian >/dev/null 2>&1 || need+=(lintian)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v dpkg-deb >/dev/null 2>&1 || need+=(dpkg)
command -v adduser >/dev/null 2>&1 || need+=(adduser)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  echo "test-deps: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${need[@]}" >/dev/null
fi
echo "test-deps: node $(node --version), npm $(npm --version 2>/dev/null), $(systemd-analyze --version | head -1), $(lintian --version), $(/usr/bin/chromium --version 2>/dev/null | head -1), $(redis-server --version | cut -d" " -f1-3), $(for p in /usr/lib/postgresql/*/bin/postgres; do "$p" --version; break; done 2>/dev/null)"
