#!/usr/bin/env bash
# The Debian package, tested the way an operator uses it (CI runs this from .ci/run, as root, on
# Debian 12 with systemd installed but not running as PID 1):
#
#  - two clean builds (packaging/build-deb.sh, at the same time) give byte-identical SHA256SUMS;
#  - dpkg-deb -c lists what it should, lintian finds no error and no warning (overrides say why);
#  - apt-get install: the user and group corral, /var/lib/corral 0700, the config 0640 root:corral,
#    nothing enabled or started; the unit passes systemd-analyze verify, scores <= 1.5 with
#    systemd-analyze security --offline=true, and is what `corral harden corral` prints;
#  - the unit's ExecStart runs as systemd would run it (packaging/run-unit.sh: user corral,
#    /run/corral 0750, /var/lib/corral, its environment) against `corral simulate`; a member of group
#    corral makes a key with `corral keys create` (no flags) through the admin socket, curl uses it;
#  - an upgrade to a rebuilt package (version bumped) restarts the running service, keeps config,
#    server.secret, keys and usage; revoking through the socket refuses the key at once;
#  - apt-get remove stops the service and keeps config and state; apt-get purge removes them.
#
# Systemd's side of the maintainer scripts is exercised too: dpkg runs in a private mount namespace
# where /run/systemd/system exists (so the scripts believe systemd runs), with systemctl and
# deb-systemd-invoke replaced by shims that log each call and start/stop the unit with run-unit.sh.
# One reinstall runs outside it, where the scripts must call neither.
#
# Everything it starts is stopped, and what it installed is purged, when it ends, also on failure.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

if [ "$(id -u)" != 0 ]; then
  [ "${CI:-}" = true ] && { echo "packaging: CI must run this as root" >&2; exit 1; }
  echo "packaging: skipped: installing a package needs root (sudo bash packaging/test-deb.sh)"; exit 0
fi
for tool in dpkg-deb lintian systemd-analyze curl setpriv runuser unshare nsenter apt-get; do
  command -v "$tool" >/dev/null || { echo "packaging: $tool is missing (sudo bash scripts/test-deps.sh)" >&2; exit 1; }
done

T="$(mktemp -d /tmp/corral-test-deb.XXXXXX)"
chmod 0755 "$T"
export RUN_UNIT_DIR="$T/run-unit" SHIM_LOG="$T/systemd-calls.log" TEST_PID=$$ REPO="$repo"
mkdir -p "$RUN_UNIT_DIR"
: >"$SHIM_LOG"
unit=/lib/systemd/system/corral.service
member=corral-ci
sim_pid=""
builds=()
passed=0
failed=0
had_corral_user=""; getent passwd corral >/dev/null && had_corral_user=1
made_run_systemd=""
export DEBIAN_FRONTEND=noninteractive

ok() { passed=$((passed + 1)); printf 'ok   %3ds %s\n' "$SECONDS" "$*"; }
fail() { failed=$((failed + 1)); printf 'FAIL %3ds %s\n' "$SECONDS" "$*"; }
# check DESCRIPTION COMMAND...: runs the command, ok when it succeeds.
check() { local d="$1"; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
die() { fail "$*"; exit 1; }
apt=(apt-get -o DPkg::Lock::Timeout=300 -y -q)
# Runs a command where the maintainer scripts believe systemd is running (see the header).
# apt-get gives dpkg the PATH of its option DPkg::Path, not its own: the shims go first there.
apt_shim=(-o "DPkg::Path=$T/shim:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
with_systemd() {
  unshare --mount --propagation private sh -c \
    'mount -t tmpfs -o mode=0755 tmpfs /run/systemd && mkdir /run/systemd/system && exec "$@"' sh "$@"
}
member_run() { runuser -u "$member" -- "$@"; }

cleanup() {
  local rc=$?
  set +e
  local b i
  for b in "${builds[@]}"; do
    kill -TERM -- "-$b" 2>/dev/null
    for i in $(seq 100); do kill -0 -- "-$b" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$b" 2>/dev/null
  done
  [ -f "$unit" ] && bash "$repo/packaging/run-unit.sh" stop "$unit" 2>/dev/null
  [ -f "$RUN_UNIT_DIR/corral.pid" ] && kill -KILL "$(cat "$RUN_UNIT_DIR/corral.pid")" 2>/dev/null
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  if dpkg-query -W -f='${db:Status-Status}' corral 2>/dev/null | grep -qv not-installed; then
    dpkg --purge corral >/dev/null 2>&1
  fi
  getent passwd "$member" >/dev/null && userdel "$member" 2>/dev/null
  # The package keeps the user corral on purge (see postrm); the test leaves the machine as it found it.
  if [ -z "$had_corral_user" ] && getent passwd corral >/dev/null; then
    userdel corral 2>/dev/null; getent group corral >/dev/null && groupdel corral 2>/dev/null
  fi
  [ -n "$made_run_systemd" ] && rmdir /run/systemd 2>/dev/null
  [ -e "$T/man-db-auto-update" ] && mv "$T/man-db-auto-update" /var/lib/man-db/auto-update
  if [ "$rc" != 0 ] || [ "$failed" != 0 ]; then
    for f in "$RUN_UNIT_DIR/corral.log" "$T/sim.log" "$T/build-a.log" "$T/build-b.log"; do
      [ -s "$f" ] && { echo "--- last lines of $f"; tail -20 "$f"; }
    done
  fi
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if dpkg-query -W -f='${db:Status-Status}' corral 2>/dev/null | grep -qv not-installed; then
  echo "packaging: the corral package is installed already; purging it first (this test installs and purges it)"
  dpkg --purge corral >/dev/null
fi
[ -d /run/systemd ] || { mkdir /run/systemd; made_run_systemd=1; }
# man-db rebuilds its whole index after every dpkg run that touches a man page (~10 s each, five
# runs here) unless this flag file is absent; it is put back when the test ends.
if [ -e /var/lib/man-db/auto-update ]; then mv /var/lib/man-db/auto-update "$T/man-db-auto-update"; fi

# The shims: systemctl and deb-systemd-invoke as the maintainer scripts see them under with_systemd.
mkdir -p "$T/shim"
cat >"$T/shim/systemctl" <<'EOF'
#!/bin/sh
echo "systemctl $*" >>"$SHIM_LOG"
EOF
cat >"$T/shim/deb-systemd-invoke" <<'EOF'
#!/bin/sh
echo "deb-systemd-invoke $*" >>"$SHIM_LOG"
action="$1"; shift
for u in "$@"; do
  # systemd would act outside dpkg's mount namespace: so does the shim.
  nsenter --mount="/proc/$TEST_PID/ns/mnt" -- bash "$REPO/packaging/run-unit.sh" "$action" "/lib/systemd/system/$u" \
    >>"$SHIM_LOG" 2>&1
done
EOF
chmod 0755 "$T/shim/systemctl" "$T/shim/deb-systemd-invoke"

free_port() { # a port nothing on 127.0.0.1 answers on
  local p i
  for i in $(seq 100); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}
wait_http() { # URL SECONDS
  local i
  for i in $(seq $(($2 * 10))); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.1
  done
  return 1
}
status_of() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# 1. Two clean builds, at the same time, from the same commit: byte-identical artefacts.
#    (--reuse DIR, for work on this script: take DIR's artefacts from build-deb.sh and skip this.)
export SOURCE_DATE_EPOCH="$(git log -1 --format=%ct 2>/dev/null || echo 1767225600)"
if [ "${1:-}" = --reuse ] && [ -d "${2:-}" ]; then
  cp -a "$2" "$T/a"
  echo "packaging: reusing $2; the reproducibility check is skipped"
else
  start=$SECONDS
  # each in a session of its own, so that a test stopped half way stops Maven too
  setsid bash packaging/build-deb.sh --out "$T/a" >"$T/build-a.log" 2>&1 &
  build_a=$!
  setsid bash packaging/build-deb.sh --out "$T/b" >"$T/build-b.log" 2>&1 &
  build_b=$!
  builds=("$build_a" "$build_b")
  wait "$build_a" || die "build A failed (packaging/build-deb.sh)"
  wait "$build_b" || die "build B failed (packaging/build-deb.sh)"
  builds=()
  echo "packaging: two clean builds in $((SECONDS - start)) s"
  sed 's/^/  /' "$T/a/SHA256SUMS"
  check "two clean builds give byte-identical .deb, jar and SBOM (SHA256SUMS equal)" cmp -s "$T/a/SHA256SUMS" "$T/b/SHA256SUMS"
fi
(cd "$T/a" && sha256sum --quiet -c SHA256SUMS) && ok "SHA256SUMS matches the artefacts" || fail "SHA256SUMS matches the artefacts"
deb1="$(ls "$T"/a/corral_*_all.deb)"
v1="$(dpkg-deb -f "$deb1" Version)"

# 2. Inspect the package.
dpkg-deb -c "$deb1" | awk '{print $1, $2, $6}' >"$T/contents"
want=(./usr/bin/corral ./usr/share/corral/corral.jar ./lib/systemd/system/corral.service ./etc/corral/corral.yaml
  ./etc/default/corral ./usr/share/doc/corral/copyright ./usr/share/doc/corral/changelog.Debian.gz
  ./usr/share/doc/corral/corral-sbom.cdx.json ./usr/share/man/man1/corral.1.gz)
missing=""; for f in "${want[@]}"; do grep -q " $f\$" "$T/contents" || missing="$missing $f"; done
check "dpkg-deb -c: the jar, /usr/bin/corral, the unit, the conffiles, docs, SBOM and man page${missing:+ (missing:$missing)}" test -z "$missing"
check "every file in the .deb is root/root" test -z "$(awk '$2 != "root/root"' "$T/contents")"
check "no /run or /var/lib in the .deb (made at install and by systemd)" test -z "$(grep -E ' \./(run|var)/' "$T/contents" || true)"
check "Depends on a Debian Java runtime >= 17: $(dpkg-deb -f "$deb1" Depends)" \
  grep -q '^default-jre-headless (>= 2:1.17) | java17-runtime-headless,' <<<"$(dpkg-deb -f "$deb1" Depends)"
check "conffiles: /etc/corral/corral.yaml and /etc/default/corral" \
  test "$(dpkg-deb --ctrl-tarfile "$deb1" | tar -xO ./conffiles)" = "$(printf '/etc/corral/corral.yaml\n/etc/default/corral')"
dpkg-deb --fsys-tarfile "$deb1" | tar -xO ./usr/bin/corral >"$T/launcher"
check "/usr/bin/corral is ./corral with only installed_jar set" \
  test "$(diff corral "$T/launcher" | grep '^[<>]' | tr '\n' '|')" = '< installed_jar=""|> installed_jar="/usr/share/corral/corral.jar"|'
if lintian --fail-on error,warning --pedantic --info "$deb1" >"$T/lintian.txt" 2>&1; then
  ok "lintian --pedantic: no error, warning, info or pedantic tag ($(grep -c '^corral:' packaging/lintian-overrides) overridden, with reasons, in packaging/lintian-overrides)"
else
  fail "lintian found errors or warnings:"; grep -v '^N:' "$T/lintian.txt"
fi

# 3. The upgrade: the same jar in a package with a higher version.
v2="${v1%-*}-$(( ${v1##*-} + 1 ))"
bash packaging/build-deb.sh --jar "$T/a/corral.jar" --version "$v2" --out "$T/c" >"$T/build-c.log" 2>&1 \
  || die "building the upgrade package $v2 failed"
deb2="$T/c/corral_${v2}_all.deb"

# 4. Install, where systemd "runs": nothing may be enabled or started.
: >"$SHIM_LOG"
with_systemd "${apt[@]}" "${apt_shim[@]}" install --no-install-recommends "$deb1" >"$T/install.log" 2>&1 || { cat "$T/install.log"; die "apt-get install $deb1"; }
check "apt-get install ./$(basename "$deb1"): installed $v1" test "$(dpkg-query -W -f='${Version}' corral)" = "$v1"
check "the post-install message says how to start it" grep -q "sudo systemctl enable --now corral" "$T/install.log"
check "install started nothing: only 'systemctl --system daemon-reload' ($(tr '\n' ';' <"$SHIM_LOG"))" \
  test "$(cat "$SHIM_LOG")" = "systemctl --system daemon-reload"
check "install enabled nothing (no multi-user.target.wants/corral.service)" test ! -e /etc/systemd/system/multi-user.target.wants/corral.service
pw="$(getent passwd corral)"
check "system user corral: home /var/lib/corral, shell nologin, group corral ($pw)" \
  bash -c '[[ "$1" == corral:x:*:*::/var/lib/corral:/usr/sbin/nologin ]] && [ "$(id -gn corral)" = corral ] && [ "$(id -u corral)" -lt 1000 ]' _ "$pw"
check "/var/lib/corral is 0700 corral:corral" test "$(stat -c '%a %U:%G' /var/lib/corral)" = "700 corral:corral"
check "/etc/corral/corral.yaml is 0640 root:corral" test "$(stat -c '%a %U:%G' /etc/corral/corral.yaml)" = "640 root:corral"
check "/usr/bin/corral is on PATH" test "$(command -v corral)" = /usr/bin/corral

# 5. The installed unit.
verify_out="$(SYSTEMD_COLORS=0 systemd-analyze verify "$unit" 2>&1)" && ok "systemd-analyze verify $unit" \
  || { fail "systemd-analyze verify $unit"; echo "$verify_out"; }
score="$(SYSTEMD_COLORS=0 systemd-analyze security --offline=true "$unit" 2>&1 | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')"
check "systemd-analyze security --offline=true: $score (<= 1.5)" awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 1.5) }'
check "the installed unit is exactly what \`corral harden corral\` prints" \
  cmp -s "$unit" <(runuser -u nobody -- corral harden corral 2>/dev/null)
for want in 'User=corral' 'Group=corral' 'StateDirectory=corral' 'StateDirectoryMode=0700' 'RuntimeDirectory=corral' \
  'RuntimeDirectoryMode=0750' 'ExecStart=/usr/bin/corral serve --config /etc/corral/corral.yaml'; do
  grep -qx "$want" "$unit" || fail "the unit has no line $want"
done
ok "the unit: User/Group corral, StateDirectory 0700, RuntimeDirectory 0750, ExecStart /usr/bin/corral serve --config ..."

# 6. The config: every section, uncommented, is Corral's defaults and loads (TLS files made for it).
corral tls self-signed --host localhost --out "$T/tls" >/dev/null 2>&1 || die "corral tls self-signed"
sed -E -e 's/^( *)# ?( *[a-z_]+:( |$).*)$/\1\2/' -e "s#/etc/corral/tls/#$T/tls/#" -e "s#/etc/corral/clients-ca.pem#$T/tls/ca.pem#" \
  /etc/corral/corral.yaml >"$T/full.yaml"
# (the command's output is redirected inside: a redirection of check itself would swallow its ok/FAIL line)
check "corral.yaml with every commented default switched on loads ($(grep -c '^[a-z_]*:' "$T/full.yaml") sections)" \
  bash -c 'corral keys list --config "$1" --state-dir "$2" >/dev/null 2>"$3" || { cat "$3" >&2; exit 1; }' _ \
  "$T/full.yaml" "$T/scratch-state" "$T/full.err"

# 7. Start it as systemd would (after `systemctl start corral`), against `corral simulate`.
sim_port="$(free_port)"; gw_port="$(free_port)"
java -jar "$T/a/corral.jar" simulate --listen "127.0.0.1:$sim_port" --models llama3.2:3b >"$T/sim.log" 2>&1 &
sim_pid=$!
wait_http "http://127.0.0.1:$sim_port/api/version" 30 || die "corral simulate did not start"
# The operator's way to move the ports: /etc/default/corral (a conffile, kept across upgrades).
printf 'CORRAL_LISTEN_ADDRESS=127.0.0.1:%s\nCORRAL_UPSTREAM_URL=http://127.0.0.1:%s\n' "$gw_port" "$sim_port" >>/etc/default/corral
gw="http://127.0.0.1:$gw_port"
bash packaging/run-unit.sh start "$unit"
wait_http "$gw/healthz" 60 || die "the service did not answer on $gw/healthz"
pid1="$(cat "$RUN_UNIT_DIR/corral.pid")"
check "the service runs as user corral" test "$(stat -c %U "/proc/$pid1")" = corral
check "/run/corral is 0750 corral:corral" test "$(stat -c '%a %U:%G' /run/corral)" = "750 corral:corral"
for i in $(seq 50); do [ -S /run/corral/admin.sock ] && break; sleep 0.1; done
check "the admin socket /run/corral/admin.sock is 0660 corral:corral" test "$(stat -c '%a %U:%G' /run/corral/admin.sock)" = "660 corral:corral"
check "/healthz answers 200" test "$(status_of "$gw/healthz")" = 200

# 8. A member of group corral makes a key through the socket, with no flags.
useradd --no-create-home --shell /usr/sbin/nologin "$member" 2>/dev/null || true
usermod -aG corral "$member"
member_uid="$(id -u "$member")"
key="$(member_run corral keys create --name ci-key 2>"$T/create.err")" || { cat "$T/create.err"; die "corral keys create as $member"; }
key_id="$(cut -d_ -f2 <<<"$key")"
check "corral keys create as a member of group corral printed a key ($key_id)" grep -Eq '^crl_[a-z0-9]{12}_' <<<"$key"
check "it went through the running service's socket (audit: key.create by uid:$member_uid)" \
  grep -q "\"action\":\"key.create\",\"actor\":\"uid:$member_uid\"" /var/lib/corral/audit.log
check "corral keys list as the member shows it" bash -c 'runuser -u "$1" -- corral keys list 2>/dev/null | grep -q "$2"' _ "$member" "$key_id"
check "a user outside group corral cannot (corral keys list as nobody fails)" \
  bash -c '! runuser -u nobody -- corral keys list >/dev/null 2>&1'
check "curl with the key: /api/tags 200" test "$(status_of -H "Authorization: Bearer $key" "$gw/api/tags")" = 200
check "curl with the key: /api/chat 200" test "$(status_of -H "Authorization: Bearer $key" -d '{"model":"llama3.2:3b","messages":[{"role":"user","content":"hi"}],"stream":false}' "$gw/api/chat")" = 200
check "curl without a key: 401" test "$(status_of "$gw/api/tags")" = 401
usage_rows() { runuser -u corral -- corral usage --since 1d --by key --format csv 2>/dev/null | grep -c "$key_id" || true; }
check "usage has the key's requests (corral usage, as user corral)" test "$(usage_rows)" -ge 1
secret_sum="$(sha256sum /var/lib/corral/server.secret | cut -d' ' -f1)"

# 9. Upgrade to the rebuilt package while the service runs, where systemd "runs".
echo "# a local edit, kept across upgrades" >>/etc/corral/corral.yaml
: >"$SHIM_LOG"
with_systemd "${apt[@]}" "${apt_shim[@]}" install --no-install-recommends "$deb2" >"$T/upgrade.log" 2>&1 || { cat "$T/upgrade.log"; die "apt-get install $deb2"; }
check "upgraded to $v2" test "$(dpkg-query -W -f='${Version}' corral)" = "$v2"
check "the upgrade asked for 'deb-systemd-invoke try-restart corral.service'" grep -qx "deb-systemd-invoke try-restart corral.service" "$SHIM_LOG"
wait_http "$gw/healthz" 60 || true
pid2="$(cat "$RUN_UNIT_DIR/corral.pid" 2>/dev/null || echo none)"
check "the running service was restarted (pid $pid1 -> $pid2)" bash -c '[ "$1" != "$2" ] && kill -0 "$2"' _ "$pid1" "$pid2"
check "the upgrade kept the edited config and /etc/default/corral" \
  bash -c 'grep -q "a local edit" /etc/corral/corral.yaml && grep -q "^CORRAL_LISTEN_ADDRESS=" /etc/default/corral'
check "the upgrade kept server.secret" test "$(sha256sum /var/lib/corral/server.secret | cut -d' ' -f1)" = "$secret_sum"
check "the key still works after the upgrade" test "$(status_of -H "Authorization: Bearer $key" "$gw/api/tags")" = 200
check "usage recorded before the upgrade is still there" test "$(usage_rows)" -ge 1
member_run corral keys revoke "$key_id" >/dev/null 2>&1 || fail "corral keys revoke as $member"
check "corral keys revoke as the member: the key is refused at once (401)" \
  test "$(status_of -H "Authorization: Bearer $key" "$gw/api/tags")" = 401

# 10. Remove: the service stops, config and state stay.
: >"$SHIM_LOG"
with_systemd "${apt[@]}" "${apt_shim[@]}" remove corral >"$T/remove.log" 2>&1 || { cat "$T/remove.log"; die "apt-get remove corral"; }
check "remove asked for 'deb-systemd-invoke stop corral.service' and the service stopped" \
  bash -c 'grep -qx "deb-systemd-invoke stop corral.service" "$1" && ! kill -0 "$2" 2>/dev/null' _ "$SHIM_LOG" "$pid2"
check "remove: /usr/bin/corral and the jar are gone" test ! -e /usr/bin/corral -a ! -e /usr/share/corral/corral.jar
check "remove kept /etc/corral/corral.yaml, /etc/default/corral, server.secret, corral.db and the audit log" \
  test -f /etc/corral/corral.yaml -a -f /etc/default/corral -a -f /var/lib/corral/server.secret -a -f /var/lib/corral/corral.db -a -f /var/lib/corral/audit.log
check "remove kept the user corral" bash -c "getent passwd corral >/dev/null"

# 11. Reinstall where systemd does not run (this machine as it is): the scripts must call neither.
: >"$SHIM_LOG"
"${apt[@]}" "${apt_shim[@]}" install --no-install-recommends "$deb2" >"$T/reinstall.log" 2>&1 || { cat "$T/reinstall.log"; die "reinstall"; }
check "without systemd running, the scripts call no systemctl and no deb-systemd-invoke" test ! -s "$SHIM_LOG"
check "the reinstalled package finds its keys (the revoked key, as user corral)" \
  bash -c 'runuser -u corral -- corral keys list 2>/dev/null | grep "$1" | grep -q revoked' _ "$key_id"

# 12. Purge: config and state gone, the user kept (see postrm).
"${apt[@]}" purge corral >"$T/purge.log" 2>&1 || { cat "$T/purge.log"; die "apt-get purge corral"; }
check "purge removed /etc/corral, /etc/default/corral and /var/lib/corral" \
  test ! -e /etc/corral -a ! -e /etc/default/corral -a ! -e /var/lib/corral
check "purge left no trace in dpkg" test -z "$(dpkg-query -W -f='${db:Status-Status}' corral 2>/dev/null | grep -v not-installed || true)"
check "purge kept the system user corral (its uid is never handed to another user)" bash -c "getent passwd corral >/dev/null"

echo "packaging: $passed passed, $failed failed"
[ "$failed" = 0 ]
