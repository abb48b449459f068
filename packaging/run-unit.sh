#!/usr/bin/env bash
# Starts, stops or restarts a simple systemd service unit the way systemd would, for machines where
# systemd is installed but is not PID 1 (containers, CI), so that packaging/test-deb.sh runs the
# packaged unit itself rather than a command written to look like it.
#
#   packaging/run-unit.sh start|stop|restart|status UNIT_FILE
#
# From the unit's [Service] section it takes User=, Group=, Environment=, UMask=, WorkingDirectory=,
# StateDirectory=/StateDirectoryMode=, RuntimeDirectory=/RuntimeDirectoryMode= and ExecStart=, and
# does what systemd does with them: creates /var/lib/NAME (chown to the user when owned by another,
# chmod to the mode) and /run/NAME (fresh, removed again at stop), sets the environment systemd gives
# a service (PATH, HOME, USER, LOGNAME, SHELL, STATE_DIRECTORY, RUNTIME_DIRECTORY,
# CONFIGURATION_DIRECTORY, INVOCATION_ID, then Environment=), drops to the user with setpriv (its
# groups from the user database, no capabilities, no new privileges), applies UMask= and
# WorkingDirectory= (default /), stdin from /dev/null, stdout and stderr to a log (journald's place).
# It does not apply the sandbox (ProtectSystem=, SystemCallFilter=, ...): only systemd can.
#
# State (pid file, log) lives in $RUN_UNIT_DIR (default /tmp/run-unit). Stop sends SIGTERM and waits
# up to 20 s, then SIGKILL, as systemd does with its stop timeout.
set -euo pipefail
action="${1:-}"
unit="${2:-}"
[ -n "$action" ] && [ -f "$unit" ] || { echo "usage: $0 start|stop|restart|status UNIT_FILE" >&2; exit 2; }
name="$(basename "$unit" .service)"
dir="${RUN_UNIT_DIR:-/tmp/run-unit}"
mkdir -p "$dir"
pidfile="$dir/$name.pid"
logfile="$dir/$name.log"

# Values of KEY= in the [Service] section, one per line, in order.
values() {
  awk -v key="$1" '
    /^\[/ { service = ($0 == "[Service]") ; next }
    service && index($0, key "=") == 1 { print substr($0, length(key) + 2) }' "$unit"
}
one() { values "$1" | tail -1; }

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

start() {
  if running; then echo "$name: already running (pid $(cat "$pidfile"))" >&2; return 0; fi
  local user group umask_ wd exec state state_mode runtime runtime_mode home shell
  user="$(one User)"; group="$(one Group)"
  [ -n "$user" ] || { echo "$name: no User= (this helper runs services as their user only)" >&2; return 1; }
  [ -n "$group" ] || group="$(id -gn "$user")"
  umask_="$(one UMask)"; umask_="${umask_:-0022}"
  wd="$(one WorkingDirectory)"; wd="${wd:-/}"
  exec="$(one ExecStart)"
  case "$exec" in /*) ;; *) echo "$name: ExecStart= with a prefix or a relative path is not supported: $exec" >&2; return 1 ;; esac
  home="$(getent passwd "$user" | cut -d: -f6)"
  shell="$(getent passwd "$user" | cut -d: -f7)"

  local env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
    "HOME=$home" "USER=$user" "LOGNAME=$user" "SHELL=$shell"
    "INVOCATION_ID=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')")
  state="$(one StateDirectory)"
  if [ -n "$state" ]; then
    state_mode="$(one StateDirectoryMode)"; state_mode="${state_mode:-0755}"
    install -d "/var/lib/$state"
    if [ "$(stat -c %U:%G "/var/lib/$state")" != "$user:$group" ]; then chown -R "$user:$group" "/var/lib/$state"; fi
    chmod "$state_mode" "/var/lib/$state"
    env+=("STATE_DIRECTORY=/var/lib/$state")
  fi
  runtime="$(one RuntimeDirectory)"
  if [ -n "$runtime" ]; then
    runtime_mode="$(one RuntimeDirectoryMode)"; runtime_mode="${runtime_mode:-0755}"
    rm -rf "/run/$runtime"
    install -d -o "$user" -g "$group" -m "$runtime_mode" "/run/$runtime"
    env+=("RUNTIME_DIRECTORY=/run/$runtime")
  fi
  local conf; conf="$(one ConfigurationDirectory)"
  [ -n "$conf" ] && env+=("CONFIGURATION_DIRECTORY=/etc/$conf")
  local line
  while IFS= read -r line; do
    [ -n "$line" ] && env+=("$line")
  done < <(values Environment)

  # ExecStart's words (the packaged unit's have no quotes or specifiers; refuse ones that do).
  case "$exec" in *[\"\'%\$]*) echo "$name: ExecStart= with quotes, % or \$ is not supported: $exec" >&2; return 1 ;; esac
  local argv; read -r -a argv <<<"$exec"

  : >"$logfile"
  (
    cd "$wd"
    umask "$umask_"
    # Nothing of the caller's but what systemd gives: close inherited descriptors above 2 (a dpkg
    # status pipe, say), and a session of its own.
    for fd in /proc/$BASHPID/fd/*; do
      fd="${fd##*/}"
      if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    exec setsid setpriv --reuid="$user" --regid="$group" --init-groups --no-new-privs \
      --bounding-set=-all --inh-caps=-all \
      env -i "${env[@]}" "${argv[@]}" </dev/null >>"$logfile" 2>&1
  ) &
  echo $! >"$pidfile"
  echo "$name: started pid $! as $user:$group: ${argv[*]}" >&2
}

stop() {
  if running; then
    local pid i
    pid="$(cat "$pidfile")"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    echo "$name: stopped pid $pid" >&2
  fi
  rm -f "$pidfile"
  local runtime; runtime="$(one RuntimeDirectory)"
  [ -n "$runtime" ] && rm -rf "/run/$runtime"
  return 0
}

case "$action" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  try-restart) if running; then stop; start; fi ;;
  status) if running; then echo "$name: running (pid $(cat "$pidfile"))"; else echo "$name: not running"; exit 3; fi ;;
  *) echo "usage: $0 start|stop|restart|try-restart|status UNIT_FILE" >&2; exit 2 ;;
esac
