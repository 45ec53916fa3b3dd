#!/usr/bin/env bash
# A whole mig fleet on this machine in one command, to try the investigator's side: the site's PKI, a private
# RabbitMQ broker, the scheduler, N agents (each with its own certificate, configuration and state), an
# investigator key and its migrc. Everything lives under one directory; nothing else on the machine changes.
#
# Usage:
#   tools/demo-fleet.sh [start] <dir> [N]   N agents (default 3, at most 50), named demo1 ... demoN
#   tools/demo-fleet.sh stop <dir>          agents, scheduler and broker stopped; <dir> kept (start again reuses it)
#   tools/demo-fleet.sh status <dir>        which processes run
#
# The mig binary is $MIG, else bazel-bin/mig (built if missing), copied to <dir>/bin/mig so that a rebuild does
# not pull it from under the running fleet. The investigator key has no passphrase: this is a
# demonstration; a real key is made with `mig key generate` and a passphrase. Logs: <dir>/*.log.
# Costs, measured on 2 cores: ~15 s to start (the broker's Erlang VM most of it), ~3 s to stop.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
readonly repo="$PWD"

die() {
  echo "demo-fleet: $*" >&2
  exit 1
}
say() { echo "demo-fleet: $*" >&2; }

usage() {
  sed -n '5,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

mig_binary() {
  if [[ -n "${MIG:-}" ]]; then
    [[ -x "$MIG" ]] || die "\$MIG=$MIG is not an executable"
    readlink -f "$MIG"
    return
  fi
  if [[ ! -x bazel-bin/mig ]]; then
    say "building mig (bazel build //:mig)"
    bazel build //:mig >&2
  fi
  readlink -f bazel-bin/mig
}

pid_alive() { [[ -s "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# start_daemon NAME PIDFILE LOG ARGS...: runs `mig ARGS...` in the background, once.
start_daemon() {
  local name="$1" pidfile="$2" log="$3"
  shift 3
  if pid_alive "$pidfile"; then
    say "$name already runs (pid $(cat "$pidfile"))"
    return
  fi
  nohup "$mig" "$@" >>"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
}

stop_daemon() {  # stop_daemon PIDFILE: SIGTERM, then SIGKILL after 10 s
  local pidfile="$1" pid i
  pid_alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  pid="$(cat "$pidfile")"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

cmd_start() {
  local dir="${1:-}" count="${2:-3}"
  [[ -n "$dir" ]] || usage
  [[ "$count" =~ ^[0-9]+$ ]] && ((count >= 1 && count <= 50)) || die "N must be 1 to 50, not '$count'"
  umask 077  # configurations and keys must not be writable by others: mig refuses them then (StrictModes)
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  mkdir -p "$dir/bin"
  # A copy the fleet runs: replaced only while nothing runs from it.
  if ! pid_alive "$dir/scheduler.pid"; then install -m 0755 "$(mig_binary)" "$dir/bin/mig"; fi
  mig="$dir/bin/mig"
  local agents=()
  for ((i = 1; i <= count; i++)); do agents+=("demo$i"); done

  say "site PKI and broker definitions in $dir/site"
  bash tools/site.sh init "$dir/site" >/dev/null
  bash tools/site.sh agent "$dir/site" "${agents[@]}" >/dev/null
  if [[ -s "$dir/broker/broker.env" ]] && bash tools/broker.sh status "$dir/broker" >/dev/null 2>&1; then
    say "the broker already runs"
    # New agents since the broker started: their users and permissions, into the running broker.
    bash tools/broker.sh import "$dir/broker" "$dir/site/definitions.json" >/dev/null
  elif [[ -d "$dir/broker" ]]; then
    say "starting the broker again"
    bash tools/broker.sh start "$dir/broker" >/dev/null
    bash tools/broker.sh import "$dir/broker" "$dir/site/definitions.json" >/dev/null
  else
    say "starting a private RabbitMQ broker in $dir/broker"
    bash tools/broker.sh start "$dir/broker" --definitions "$dir/site/definitions.json" --pki "$dir/site" >/dev/null
  fi
  # shellcheck disable=SC1091
  source "$dir/broker/broker.env"
  # "localhost", not 127.0.0.1: the broker's certificate names localhost, and mbedTLS checks names only.
  local relay="amqps://localhost:${MIG_BROKER_AMQPS_PORT}/mig"

  if [[ ! -s "$dir/investigator.key" ]]; then
    "$mig" key generate --name investigator --no-passphrase --out "$dir/investigator.key" >/dev/null 2>&1
  fi
  local pubkey
  pubkey="$(cut -d' ' -f1 "$dir/investigator.key.pub")"
  local investigators
  investigators="[investigator \"investigator\"]
    pubkey = $pubkey"

  cat >"$dir/scheduler.conf" <<EOF
[scheduler]
    relay = $relay
    database = $dir/scheduler.db
    listen = 127.0.0.1:0
[certs]
    ca = $dir/site/ca.crt
    cert = $dir/site/scheduler.crt
    key = $dir/site/scheduler.key
$investigators
EOF
  pid_alive "$dir/scheduler.pid" || rm -f "$dir/scheduler.port"
  start_daemon scheduler "$dir/scheduler.pid" "$dir/scheduler.log" --config "$dir/scheduler.conf" scheduler \
    --port-file "$dir/scheduler.port"
  for ((i = 0; i < 100; i++)); do
    [[ -s "$dir/scheduler.port" ]] && break
    pid_alive "$dir/scheduler.pid" || die "the scheduler stopped: $(tail -5 "$dir/scheduler.log")"
    sleep 0.1
  done
  [[ -s "$dir/scheduler.port" ]] || die "the scheduler did not start listening: $(tail -5 "$dir/scheduler.log")"
  local port
  port="$(tr -dc 0-9 <"$dir/scheduler.port")"

  for agent in "${agents[@]}"; do
    mkdir -p "$dir/agents/$agent"
    cat >"$dir/agents/$agent/agent.conf" <<EOF
[agent]
    relay = $relay
    statedir = $dir/agents/$agent/state
    heartbeatfreq = 10s
    tag = env:demo
[certs]
    ca = $dir/site/ca.crt
    cert = $dir/site/agents/$agent.crt
    key = $dir/site/agents/$agent.key
$investigators
[acl "default"]
    minimumweight = 1
    investigator = investigator:1
EOF
    start_daemon "$agent" "$dir/agents/$agent/agent.pid" "$dir/agents/$agent/agent.log" \
      --config "$dir/agents/$agent/agent.conf" agent
  done

  cat >"$dir/migrc" <<EOF
[api]
    url = http://127.0.0.1:$port/api/v1/
[key]
    file = $dir/investigator.key
[targets]
    macro = demo:status='online' AND tags->>'env'='demo'
EOF
  export MIGRC="$dir/migrc"
  local online=0
  for ((i = 0; i < 300; i++)); do
    online="$("$mig" agent list -t demo 2>/dev/null | grep -c ' online ' || true)"
    ((online >= count)) && break
    sleep 0.2
  done
  ((online >= count)) || die "$online of $count agents came online; see $dir/agents/*/agent.log"
  cat <<EOF

A fleet of $count agents is up: broker on amqps port $MIG_BROKER_AMQPS_PORT, scheduler API on 127.0.0.1:$port.
To investigate it, in this shell:

    export MIGRC=$dir/migrc PATH=$dir/bin:\$PATH

and try:

    mig agent list -t demo
    mig file -t demo -e 60s -path /etc -name '^passwd\$' -content '^root:'
    mig action list --mine

Stop it with: tools/demo-fleet.sh stop $dir
EOF
}

cmd_stop() {
  local dir="${1:-}"
  [[ -n "$dir" && -d "$dir" ]] || usage
  for pidfile in "$dir"/agents/*/agent.pid; do
    [[ -e "$pidfile" ]] && stop_daemon "$pidfile"
  done
  [[ -e "$dir/scheduler.pid" ]] && stop_daemon "$dir/scheduler.pid"
  if [[ -d "$dir/broker" ]]; then bash tools/broker.sh stop "$dir/broker" >/dev/null || true; fi
  say "stopped (the fleet's files stay in $dir)"
}

cmd_status() {
  local dir="${1:-}" state
  [[ -n "$dir" && -d "$dir" ]] || usage
  state="$(bash tools/broker.sh status "$dir/broker" >/dev/null 2>&1 && echo running || echo stopped)"
  echo "broker     $state"
  echo "scheduler  $(pid_alive "$dir/scheduler.pid" && echo running || echo stopped)"
  for agent_dir in "$dir"/agents/*/; do
    [[ -d "$agent_dir" ]] || continue
    echo "$(basename "$agent_dir")  $(pid_alive "$agent_dir/agent.pid" && echo running || echo stopped)"
  done
}

command="${1:-}"
shift || true
case "$command" in
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  status) cmd_status "$@" ;;
  "" | -h | --help) usage ;;
  *) cmd_start "$command" "$@" ;;  # tools/demo-fleet.sh <dir> [N]
esac
