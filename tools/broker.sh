#!/usr/bin/env bash
# Runs an isolated RabbitMQ broker (Debian's rabbitmq-server) as an ordinary process on loopback ports, with
# everything it writes under one directory, so that tests and the quick start can run several at once.
#
# Usage:
#   tools/broker.sh start <dir> [--definitions FILE] [--pki DIR] [--timeout SECONDS]
#   tools/broker.sh stop <dir>
#   tools/broker.sh restart <dir> [--timeout SECONDS]
#   tools/broker.sh status <dir>
#   tools/broker.sh import <dir> FILE        load more definitions into the running broker (one rabbitmqctl call)
#   tools/broker.sh ctl <dir> ARGS...        rabbitmqctl against this instance, e.g. `ctl <dir> list_queues -p mig`
#
# start:
#   --definitions FILE  users, vhosts, permissions, exchanges, queues and bindings imported at boot (RabbitMQ's
#                       definitions format; tools/site.sh writes one). Copied to <dir>/definitions.json.
#   --pki DIR           also open an AMQPS listener: DIR holds ca.crt, broker.crt and broker.key (a site directory
#                       of tools/site.sh). Clients must present a certificate signed by ca.crt (verify_peer,
#                       fail_if_no_peer_cert); TLS 1.2 and 1.3; EXTERNAL login takes the user from the
#                       certificate's CN. Copied to <dir>/tls/.
#   --timeout SECONDS   how long to wait for the broker to answer AMQP (default 90, or $MIG_BROKER_TIMEOUT).
#   The plain AMQP listener is always open (127.0.0.1 only); it is the readiness probe and the tests' plain mode
#   (PLAIN login with the passwords tools/site.sh plain wrote).
#   Start on a directory whose broker was stopped brings the same broker back: same node, ports and data
#   (--definitions and --pki are then refused: their copies in <dir> are reused).
#
# Once the broker answers, <dir>/broker.env holds KEY=value lines (values never need quoting; the file is both
# shell-sourceable and trivial to parse):
#   MIG_BROKER_DIR MIG_BROKER_NODE MIG_BROKER_AMQP_PORT MIG_BROKER_AMQPS_PORT (empty without --pki)
#   MIG_BROKER_DIST_PORT MIG_BROKER_EPMD_PORT MIG_BROKER_PID (the Erlang VM) MIG_BROKER_EPMD_PID
# It exists while the broker runs; stop removes it. Ports are picked free on 127.0.0.1 at the first start and
# kept across restarts. Everything else is under <dir>: home/ (Erlang cookie), rabbitmq.conf, enabled_plugins,
# mnesia/ (the data: durable queues and persistent messages survive restart), log/.
#
# Exit status: 0 success; 1 failure (the message says why, with the broker's log tail); status: 0 running,
# 3 stopped, 1 dead (broker.env present but the VM is gone).
#
# Runs as root (as CI and Bazel tests do here) or as any user who owns <dir>: the broker runs as the caller.
# (Debian's /usr/sbin/rabbitmq* wrappers switch root to the rabbitmq user and refuse other users; this script
# calls the scripts under /usr/lib/rabbitmq/bin directly.) The machine's own broker, if one runs, is never touched.
# Costs, measured on 2 cores: start 6-12 s (the Erlang VM's boot is CPU-bound: three at once take ~27 s),
# stop ~1.5 s (a clean shutdown), restart 7-10 s; rabbitmqctl (ctl, import) ~1 s a call.
set -euo pipefail

readonly rabbit_bin=/usr/lib/rabbitmq/bin
readonly default_timeout="${MIG_BROKER_TIMEOUT:-90}"
readonly stop_grace_seconds=30
# Debian's python3 (standard library only): a version manager's shim on PATH can cost most of a second a call.
python=/usr/bin/python3
[[ -x "$python" ]] || python="$(command -v python3 || echo python3)"

die() {
  echo "broker: error: $*" >&2
  exit 1
}
say() { echo "broker: $*" >&2; }

usage() {
  sed -n '/^# Usage:/,/^# start:/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

require_rabbitmq() {
  [[ -x "$rabbit_bin/rabbitmq-server" && -x "$rabbit_bin/rabbitmqctl" ]] ||
    die "rabbitmq-server is not installed (no $rabbit_bin/rabbitmq-server): run tools/setup.sh"
  command -v erl >/dev/null 2>&1 || die "erl (Erlang) is not on PATH: run tools/setup.sh"
  command -v "$python" >/dev/null 2>&1 || die "python3 is not installed: run tools/setup.sh"
}

# The instance directory as an absolute path. Its characters are restricted so that broker.env and rabbitmq.conf
# never need quoting.
instance_dir() {  # instance_dir DIR [create]
  local dir="$1"
  if [[ "${2:-}" == create ]]; then
    mkdir -p "$dir" || die "cannot create $dir"
  elif [[ ! -d "$dir" ]]; then
    die "no instance directory $dir"
  fi
  dir="$(cd "$dir" && pwd -P)"
  [[ "$dir" =~ ^[A-Za-z0-9@%+=:,./_-]+$ ]] ||
    die "instance directory '$dir' has characters other than letters, digits and @%+=:,./_-"
  echo "$dir"
}

# Settings chosen at the first start and kept for the life of the instance (<dir>/instance.env).
load_instance() {
  local dir="$1"
  [[ -f "$dir/instance.env" ]] || return 1
  # shellcheck disable=SC1091
  source "$dir/instance.env"
}

# Serializes broker.sh calls on one instance directory.
lock_instance() {
  exec 9>"$1/.lock"
  flock -w 120 9 || die "another tools/broker.sh is still working on $1"
}

# N free TCP ports on 127.0.0.1, all distinct, below the kernel's ephemeral range: a port the kernel hands out
# for bind(0) is also one it may give any outgoing connection before the broker binds it.
free_ports() {
  "$python" - "$1" <<'EOF'
import random, socket, sys
try:
    low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except (OSError, ValueError, IndexError):
    low = 32768
top = max(low, 10000)
socks, chosen = [], []
while len(chosen) < int(sys.argv[1]):
    port = random.randrange(top // 2, top)
    if port in chosen:
        continue
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        s.close()
        continue
    socks.append(s)
    chosen.append(port)
print(" ".join(str(p) for p in chosen))
EOF
}

# The first of the given ports that something on 127.0.0.1 already uses; nothing if all are free.
busy_port() {
  "$python" - "$@" <<'EOF' 2>/dev/null
import socket, sys
for port in sys.argv[1:]:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", int(port)))
    except OSError:
        print(port)
        break
    finally:
        s.close()
EOF
}

# True once the port answers the AMQP 0-9-1 protocol header with a connection.start method frame.
amqp_answers() {
  "$python" - "$1" <<'EOF' 2>/dev/null
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2) as s:
    s.sendall(b"AMQP\x00\x00\x09\x01")
    data = b""
    while len(data) < 11:
        chunk = s.recv(11 - len(data))
        if not chunk:
            break
        data += chunk
# Frame type 1 (method) on channel 0, class 10 (connection), method 10 (start).
sys.exit(0 if data[:3] == b"\x01\x00\x00" and data[7:11] == b"\x00\x0a\x00\x0a" else 1)
EOF
}

tcp_answers() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# True if pid is alive (not a zombie) and its command line contains the given text.
pid_matches() {
  local pid="$1" text="$2"
  pid_alive "$pid" || return 1
  { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "$text"
}

read_pid() { { tr -dc 0-9 <"$1"; } 2>/dev/null || true; }

pid_alive() {
  local stat state
  [[ -n "$1" ]] && read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  state="${stat##*) }"
  [[ "${state%% *}" != Z ]]
}

# Every descendant of a process (children of children...).
descendants() {
  local pid child
  for pid in "$@"; do
    for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
      echo "$child"
      descendants "$child"
    done
  done
}

wait_gone() {  # wait_gone SECONDS PID... ; true if all are gone in time
  local deadline=$((SECONDS + $1)) pid left
  shift
  while :; do
    left=0
    for pid in "$@"; do pid_alive "$pid" && left=1; done
    ((left)) || return 0
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}

log_tail() {
  local dir="$1" f
  ((launched)) || return 0
  for f in "$dir/log/startup.log" "$dir/log/$node.log"; do
    [[ -s "$f" ]] || continue
    echo "---- last lines of $f" >&2
    tail -n 25 "$f" >&2
  done
}

# The environment every RabbitMQ script and the VM see (as `env "${rabbit_vars[@]}" command...`): nothing of the
# machine's own broker (/etc/rabbitmq, /var/lib/rabbitmq, the epmd on port 4369) is read or used.
set_rabbit_vars() {
  local dir="$1"
  rabbit_vars=(
    HOME="$dir/home"
    RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf"
    RABBITMQ_NODENAME="$node"
    RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf"
    RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config"
    RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
    RABBITMQ_MNESIA_BASE="$dir/mnesia"
    RABBITMQ_LOG_BASE="$dir/log"
    RABBITMQ_PID_FILE="$dir/run/beam.pid"
    RABBITMQ_DIST_PORT="$dist_port"
    ERL_EPMD_PORT="$epmd_port"
    ERL_EPMD_ADDRESS=127.0.0.1
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-start_epmd false -kernel inet_dist_use_interface {127,0,0,1}"
    # rabbitmqctl: never start an epmd of its own; any free port for its own distribution listener.
    RABBITMQ_CTL_ERL_ARGS="-start_epmd false"
    RABBITMQ_CTL_DIST_PORT_MIN=0
    RABBITMQ_CTL_DIST_PORT_MAX=0
  )
}

write_config() {
  local dir="$1"
  {
    echo "# Written by tools/broker.sh; rewritten at every start."
    echo "listeners.tcp.default = 127.0.0.1:$amqp_port"
    if [[ -n "$amqps_port" ]]; then
      echo "listeners.ssl.default = 127.0.0.1:$amqps_port"
      echo "ssl_options.cacertfile = $dir/tls/ca.crt"
      echo "ssl_options.certfile = $dir/tls/broker.crt"
      echo "ssl_options.keyfile = $dir/tls/broker.key"
      echo "ssl_options.verify = verify_peer"
      echo "ssl_options.fail_if_no_peer_cert = true"
      echo "ssl_options.depth = 2"
      echo "ssl_options.versions.1 = tlsv1.3"
      echo "ssl_options.versions.2 = tlsv1.2"
      echo "ssl_cert_login_from = common_name"
    fi
    # EXTERNAL is offered only on TLS connections that carry a client certificate.
    echo "auth_mechanisms.1 = EXTERNAL"
    echo "auth_mechanisms.2 = PLAIN"
    if [[ -s "$dir/definitions.json" ]]; then
      echo "definitions.import_backend = local_filesystem"
      echo "definitions.local.path = $dir/definitions.json"
    fi
    echo "log.console = false"
    echo "log.file.level = info"
  } >"$dir/rabbitmq.conf"
  echo "[rabbitmq_auth_mechanism_ssl]." >"$dir/enabled_plugins"
  : >"$dir/rabbitmq-env.conf"
}

write_broker_env() {
  local dir="$1" tmp="$1/broker.env.tmp"
  cat >"$tmp" <<EOF
MIG_BROKER_DIR=$dir
MIG_BROKER_NODE=$node
MIG_BROKER_AMQP_PORT=$amqp_port
MIG_BROKER_AMQPS_PORT=$amqps_port
MIG_BROKER_DIST_PORT=$dist_port
MIG_BROKER_EPMD_PORT=$epmd_port
MIG_BROKER_PID=$beam_pid
MIG_BROKER_EPMD_PID=$epmd_pid
EOF
  mv "$tmp" "$dir/broker.env"
}

# Starts epmd and the broker with the instance's settings and waits until AMQP answers. Returns 1 with
# $start_failure set to "eaddrinuse" or a message; leaves nothing running on failure.
launch() {
  local dir="$1" timeout="$2" port deadline ports=("$amqp_port" "$dist_port" "$epmd_port")
  start_failure="" launched=0
  [[ -z "$amqps_port" ]] || ports+=("$amqps_port")
  port="$(busy_port "${ports[@]}")"
  if [[ -n "$port" ]]; then
    start_failure="eaddrinuse"
    start_detail="port $port on 127.0.0.1 is in use"
    return 1
  fi
  launched=1
  write_config "$dir"
  mkdir -p "$dir/run" "$dir/log"
  rm -f "$dir/run/beam.pid"
  : >"$dir/log/startup.log"

  # A private epmd on its own port, as a session leader of its own, so that it outlives this script. Children
  # do not inherit the instance lock (fd 9).
  setsid epmd -port "$epmd_port" -address 127.0.0.1 </dev/null >>"$dir/log/startup.log" 2>&1 9>&- &
  epmd_pid=$!
  deadline=$((SECONDS + 10))
  until epmd -port "$epmd_port" -names >/dev/null 2>&1; do
    if ! pid_alive "$epmd_pid" || ((SECONDS >= deadline)); then
      kill "$epmd_pid" 2>/dev/null || true
      start_failure="epmd"
      start_detail="epmd did not start on port $epmd_port"
      if grep -qsi "address already in use" "$dir/log/startup.log"; then
        start_failure="eaddrinuse"
        start_detail="port $epmd_port on 127.0.0.1 is in use"
      fi
      return 1
    fi
    sleep 0.02
  done
  echo "$epmd_pid" >"$dir/run/epmd.pid"

  # rabbitmq-server stays in front of the VM (it turns SIGTERM into a clean shutdown) in a session of its own;
  # the VM's pid comes from RABBITMQ_PID_FILE. Working directory <dir>, so that a crash dump lands there.
  set_rabbit_vars "$dir"
  (
    cd "$dir"
    # shellcheck disable=SC2016  # expanded by the inner bash
    exec env "${rabbit_vars[@]}" setsid bash -c 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"' rabbitmq-server \
      "$rabbit_bin/rabbitmq-server" </dev/null >>"$dir/log/startup.log" 2>&1 9>&-
  ) &
  wrapper_pid=$!
  echo "$wrapper_pid" >"$dir/run/wrapper.pid"

  beam_pid=""
  deadline=$((SECONDS + timeout))
  while :; do
    if [[ -z "$beam_pid" && -s "$dir/run/beam.pid" ]]; then
      beam_pid="$(read_pid "$dir/run/beam.pid")"
    fi
    # A bare connect first: it costs no process, and the VM needs both cores while it boots.
    if [[ -n "$beam_pid" ]] && tcp_answers "$amqp_port" && amqp_answers "$amqp_port"; then
      if [[ -z "$amqps_port" ]] || tcp_answers "$amqps_port"; then break; fi
    fi
    if ! pid_alive "$wrapper_pid" && { [[ -z "$beam_pid" ]] || ! pid_alive "$beam_pid"; }; then
      start_failure="exited"
      start_detail="rabbitmq-server exited during startup"
      grep -qsE "eaddrinuse|dist_port_already_used" "$dir/log/startup.log" "$dir/log/$node.log" && start_failure="eaddrinuse"
      kill_instance "$dir"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      start_failure="timeout"
      start_detail="the broker did not answer AMQP on 127.0.0.1:$amqp_port within ${timeout}s"
      grep -qsE "eaddrinuse|dist_port_already_used" "$dir/log/startup.log" "$dir/log/$node.log" && start_failure="eaddrinuse"
      kill_instance "$dir"
      return 1
    fi
    sleep 0.2
  done
  echo "$beam_pid" >"$dir/run/beam.pid.saved"
  write_broker_env "$dir"
}

# Stops whatever of the instance still runs (VM, rabbitmq-server in front of it, their children, epmd), by
# the pids recorded under <dir>/run/, each checked against its command line or working directory first.
kill_instance() {
  local dir="$1" beam="" wrapper="" epmd="" kids=() pid f
  for f in beam.pid beam.pid.saved; do
    pid="$(read_pid "$dir/run/$f")"
    if pid_matches "$pid" "$dir/home"; then beam="$pid"; fi
  done
  pid="$(read_pid "$dir/run/wrapper.pid")"
  if pid_alive "$pid" && [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" == "$dir" ]]; then wrapper="$pid"; fi
  pid="$(read_pid "$dir/run/epmd.pid")"
  if pid_matches "$pid" "-port $epmd_port "; then epmd="$pid"; fi

  if [[ -n "$beam" ]]; then
    mapfile -t kids < <(descendants "$beam")
    # SIGTERM is a clean shutdown: queues and message stores are closed and flushed.
    kill -TERM "$beam" 2>/dev/null || true
    if ! wait_gone "$stop_grace_seconds" "$beam"; then
      say "the broker did not stop within ${stop_grace_seconds}s; killing it"
      kill -KILL "$beam" 2>/dev/null || true
      wait_gone 5 "$beam" || true
    fi
  fi
  if [[ -n "$wrapper" ]]; then
    mapfile -t -O "${#kids[@]}" kids < <(descendants "$wrapper")
    # Without a VM pid (it died, or had not written it yet) rabbitmq-server passes SIGTERM on to the VM.
    if [[ -z "$beam" ]]; then kill -TERM "$wrapper" 2>/dev/null || true; fi
    wait_gone "$stop_grace_seconds" "$wrapper" || { kill -KILL "$wrapper" 2>/dev/null || true; }
  fi
  if ((${#kids[@]})) && ! wait_gone 5 "${kids[@]}"; then
    for pid in "${kids[@]}"; do
      if pid_alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
    done
    wait_gone 5 "${kids[@]}" || true
  fi
  if [[ -n "$epmd" ]]; then
    kill -TERM "$epmd" 2>/dev/null || true
    wait_gone 5 "$epmd" || { kill -KILL "$epmd" 2>/dev/null || true; wait_gone 5 "$epmd" || true; }
  fi
  rm -f "$dir/broker.env" "$dir/run/beam.pid" "$dir/run/beam.pid.saved" "$dir/run/wrapper.pid" "$dir/run/epmd.pid"
}

now_ms() { date +%s%3N; }
elapsed() { local ms=$(($(now_ms) - $1)); printf '%d.%02ds' $((ms / 1000)) $((ms % 1000 / 10)); }

running() {  # the instance's VM is alive
  local dir="$1" pid
  [[ -f "$dir/broker.env" ]] || return 1
  pid="$(sed -n 's/^MIG_BROKER_PID=//p' "$dir/broker.env")"
  pid_matches "$pid" "$dir/home"
}

start_or_fail() {  # start_or_fail DIR TIMEOUT: launch, or explain and exit
  local dir="$1" timeout="$2"
  launch "$dir" "$timeout" && return 0
  log_tail "$dir"
  die "$start_detail"
}

cmd_start() {
  (($#)) || usage
  local dir defs="" pki="" timeout="$default_timeout" attempt t0
  require_rabbitmq
  dir="$(instance_dir "$1" create)"
  shift
  while (($#)); do
    case "$1" in
      --definitions) (($# >= 2)) || usage; defs="$2"; shift 2 ;;
      --pki) (($# >= 2)) || usage; pki="$2"; shift 2 ;;
      --timeout) (($# >= 2)) || usage; timeout="$2"; shift 2 ;;
      *) usage ;;
    esac
  done
  [[ "$timeout" =~ ^[0-9]+$ ]] || die "--timeout takes whole seconds, not '$timeout'"
  lock_instance "$dir"
  t0="$(now_ms)"

  if load_instance "$dir"; then
    running "$dir" && die "$node already runs from $dir (AMQP port $amqp_port): tools/broker.sh stop $dir first"
    [[ -z "$defs" && -z "$pki" ]] ||
      die "$dir holds a broker already ($node): it restarts with its own definitions and PKI; use a new directory, or tools/broker.sh import"
    kill_instance "$dir"  # whatever a crash left behind
    start_or_fail "$dir" "$timeout"
  else
    if [[ -n "$defs" ]]; then
      [[ -f "$defs" ]] || die "no definitions file $defs"
      "$python" -c 'import json, sys; json.load(open(sys.argv[1]))' "$defs" 2>/dev/null ||
        die "$defs is not valid JSON"
    fi
    if [[ -n "$pki" ]]; then
      for f in ca.crt broker.crt broker.key; do
        [[ -f "$pki/$f" ]] || die "--pki $pki has no $f (tools/site.sh init <dir> makes one)"
      done
    fi
    mkdir -p "$dir/home" "$dir/mnesia" "$dir/log" "$dir/run"
    if [[ -n "$defs" ]]; then cp "$defs" "$dir/definitions.json"; fi
    if [[ -n "$pki" ]]; then
      mkdir -p "$dir/tls"
      install -m 0644 "$pki/ca.crt" "$dir/tls/ca.crt"
      install -m 0644 "$pki/broker.crt" "$dir/tls/broker.crt"
      install -m 0600 "$pki/broker.key" "$dir/tls/broker.key"
    fi
    # The Erlang cookie authorizes rabbitmqctl; the VM refuses one readable by others.
    rm -f "$dir/home/.erlang.cookie"
    (umask 077 && head -c 15 /dev/urandom | od -An -tx1 | tr -dc 0-9a-f | tr a-f A-F >"$dir/home/.erlang.cookie")
    chmod 0400 "$dir/home/.erlang.cookie"
    # Unique per instance; @localhost, since any other host part must resolve (else the VM quits after ~30 s).
    node="mig-$(head -c 6 /dev/urandom | od -An -tx1 | tr -dc 0-9a-f)@localhost"
    for attempt in 1 2 3; do
      local ports
      read -r -a ports <<<"$(free_ports 4)"
      amqp_port="${ports[0]}" dist_port="${ports[1]}" epmd_port="${ports[2]}" amqps_port=""
      [[ -z "$pki" ]] || amqps_port="${ports[3]}"
      cat >"$dir/instance.env" <<EOT
node=$node
amqp_port=$amqp_port
amqps_port=$amqps_port
dist_port=$dist_port
epmd_port=$epmd_port
EOT
      launch "$dir" "$timeout" && break
      if [[ "$start_failure" == eaddrinuse && $attempt -lt 3 ]]; then
        say "$start_detail; trying other ports"
        continue
      fi
      log_tail "$dir"
      # Not an instance yet: the same command can be run again (the logs stay for inspection).
      rm -rf "$dir/instance.env" "$dir/mnesia" "$dir/definitions.json" "$dir/tls"
      die "$start_detail"
    done
  fi
  say "started $node in $(elapsed "$t0"): amqp 127.0.0.1:$amqp_port${amqps_port:+, amqps 127.0.0.1:$amqps_port}; env in $dir/broker.env"
}

cmd_stop() {
  (($# == 1)) || usage
  local dir t0
  dir="$(instance_dir "$1")"
  lock_instance "$dir"
  load_instance "$dir" || { say "$dir holds no broker"; return 0; }
  if [[ ! -f "$dir/broker.env" && ! -f "$dir/run/epmd.pid" && ! -f "$dir/run/wrapper.pid" ]]; then
    say "$node is not running"
    return 0
  fi
  t0="$(now_ms)"
  kill_instance "$dir"
  say "stopped $node in $(elapsed "$t0")"
}

cmd_restart() {
  (($#)) || usage
  local dir timeout="$default_timeout" t0
  dir="$(instance_dir "$1")"
  shift
  case "${1:-}" in
    "") ;;
    --timeout) (($# == 2)) || usage; timeout="$2" ;;
    *) usage ;;
  esac
  require_rabbitmq
  lock_instance "$dir"
  load_instance "$dir" || die "$dir holds no broker: tools/broker.sh start $dir first"
  t0="$(now_ms)"
  kill_instance "$dir"
  say "stopped $node in $(elapsed "$t0")"
  start_or_fail "$dir" "$timeout"
  say "restarted $node in $(elapsed "$t0"): amqp 127.0.0.1:$amqp_port${amqps_port:+, amqps 127.0.0.1:$amqps_port}"
}

cmd_status() {
  (($# == 1)) || usage
  local dir
  dir="$(instance_dir "$1")"
  if ! load_instance "$dir"; then
    echo "stopped: $dir holds no broker"
    return 3
  fi
  if [[ ! -f "$dir/broker.env" ]]; then
    echo "stopped: $node (ports kept for the next start: amqp $amqp_port${amqps_port:+, amqps $amqps_port})"
    return 3
  fi
  if ! running "$dir"; then
    echo "dead: $node is gone but did not stop cleanly (tools/broker.sh stop $dir cleans up; see $dir/log/)"
    return 1
  fi
  if ! amqp_answers "$amqp_port"; then
    echo "running but not answering AMQP on 127.0.0.1:$amqp_port: $node"
    return 1
  fi
  echo "running: $node"
  cat "$dir/broker.env"
}

cmd_ctl() {
  (($# >= 1)) || usage
  local dir
  dir="$(instance_dir "$1")"
  shift
  require_rabbitmq
  load_instance "$dir" || die "$dir holds no broker"
  set_rabbit_vars "$dir"
  env "${rabbit_vars[@]}" "$rabbit_bin/rabbitmqctl" -q -n "$node" "$@"
}

cmd_import() {
  (($# == 2)) || usage
  local dir file="$2"
  dir="$(instance_dir "$1")"
  require_rabbitmq
  [[ -f "$file" ]] || die "no definitions file $file"
  "$python" -c 'import json, sys; json.load(open(sys.argv[1]))' "$file" 2>/dev/null || die "$file is not valid JSON"
  lock_instance "$dir"
  load_instance "$dir" || die "$dir holds no broker"
  running "$dir" || die "$node is not running: tools/broker.sh start $dir first"
  cp "$file" "$dir/definitions.json.new"
  set_rabbit_vars "$dir"
  env "${rabbit_vars[@]}" "$rabbit_bin/rabbitmqctl" -q -n "$node" import_definitions "$dir/definitions.json.new" >/dev/null ||
    die "rabbitmqctl import_definitions $file failed"
  # Kept, so that a restart imports the same definitions again.
  mv "$dir/definitions.json.new" "$dir/definitions.json"
}

node="" amqp_port="" amqps_port="" dist_port="" epmd_port="" beam_pid="" epmd_pid="" wrapper_pid=""
start_failure="" start_detail="" rabbit_vars=() launched=0
(($#)) || usage
command="$1"
shift
case "$command" in
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  restart) cmd_restart "$@" ;;
  status) cmd_status "$@" ;;
  ctl) cmd_ctl "$@" ;;
  import) cmd_import "$@" ;;
  -h | --help | help) usage ;;
  *) usage ;;
esac
