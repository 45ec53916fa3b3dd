#!/usr/bin/env bash
# Fleet-wide action latency: how long an action takes from the investigator's POST to the scheduler having
# every answer recorded, for N simulated agents (bench/fleet_load.cc), N = 100, 1,000 and 10,000.
#
# What runs, all on this machine: a private RabbitMQ (tools/broker.sh, a plain-mode tools/site.sh site, in a
# temporary directory), `mig scheduler` with a fresh database for each N, and fleet_load, whose threads play
# the N agents over a few broker connections: they declare their queues mig.agent.<name>, heartbeat once,
# verify each command's action signature like an agent, and answer with a canned file-module result (no
# module runs). fleet_load waits for the scheduler to register all N, then signs and POSTs a file action
# targeting exactly them, and polls GET /api/v1/actions/<id> every 20 ms until counters.answered == N; then
# a second one. The clock starts just before the POST and stops when the counters show the last answer:
# fan-out (commands stored, published, confirmed), delivery, the agents' verification, results back through
# the broker, and their recording in SQLite, as the investigator sees it. The first action's commands are
# the first messages of freshly declared queues, which costs RabbitMQ much more than the second's (what a
# fleet whose queues already exist sees): both are reported. Nothing asserts a time.
#
#   bash bench/fleet.sh                                  N = 100 1000 10000, 20 connections
#   MIG_BENCH_AGENTS="1000" bash bench/fleet.sh          other fleet sizes
#   MIG_BENCH_CONNECTIONS=40 bash bench/fleet.sh         agents spread over more connections (threads)
#   MIG_BENCH_POLL_MS=200 bash bench/fleet.sh            poll the counters less often (each poll counts the
#                                                        action's N commands: at 20 ms it costs the scheduler CPU)
#   MIG_BENCH_LOG_LEVEL=debug bash bench/fleet.sh        the scheduler logs each window of commands published
#   MIG_BENCH_KEEP=1 bash bench/fleet.sh                 keep the temporary directory (scheduler logs, databases)
#   MIG=/path/mig FLEET_LOAD=/path/fleet_load bash ...   skip the build (default: bazel build -c opt)
#
# Prints fleet_load's lines, one per action (key=value; times in ms since just before the POST): submit_ms
# (the POST answered: N commands stored), first/last_command_ms (commands reaching the simulated agents),
# last_result_sent_ms (the last result published), first/last_result_ms (the action's counters),
# rate (answers/s); then the scheduler's warnings, if any, and a summary table. The broker, the scheduler
# and the simulated agents share the machine's cores. To see the broker's share alone, run fleet_load
# --direct against a broker with no scheduler (see bench/fleet_load.cc).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

agent_counts="${MIG_BENCH_AGENTS:-100 1000 10000}"
connections="${MIG_BENCH_CONNECTIONS:-20}"
poll_ms="${MIG_BENCH_POLL_MS:-20}"
log_level="${MIG_BENCH_LOG_LEVEL:-info}"

work="$(mktemp -d /tmp/mig-fleet-bench.XXXXXX)"
scheduler_pid=""
cleanup() {
  if [[ -n "$scheduler_pid" ]]; then
    kill -TERM "$scheduler_pid" 2>/dev/null || true
    wait "$scheduler_pid" 2>/dev/null || true
  fi
  tools/broker.sh stop "$work/broker" >/dev/null 2>&1 || true
  if [[ -n "${MIG_BENCH_KEEP:-}" ]]; then
    echo "fleet: kept $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

if [[ -z "${MIG:-}" || -z "${FLEET_LOAD:-}" ]]; then
  bazel build -c opt //:mig //bench:fleet_load >&2
  # Copied at once: bazel-bin may be repointed by a build of another configuration.
  bin="$(bazel info -c opt bazel-bin 2>/dev/null)"
  cp "$bin/mig" "$work/mig"
  cp "$bin/bench/fleet_load" "$work/fleet_load"
  MIG="$work/mig" FLEET_LOAD="$work/fleet_load"
fi

site="$work/site"
tools/site.sh init "$site" 2>/dev/null
tools/site.sh plain "$site" 2>/dev/null
tools/broker.sh start "$work/broker" --definitions "$site/definitions.json" --pki "$site"
# shellcheck disable=SC1091
source "$work/broker/broker.env"
relay="amqp://scheduler:$(cat "$site/passwords/scheduler")@localhost:$MIG_BROKER_AMQP_PORT/mig"

(umask 077 && openssl rand -hex 32 >"$work/investigator.seed")
pubkey="$("$FLEET_LOAD" --key "$work/investigator.seed" --print-key)"

start_scheduler() {  # start_scheduler NAME: a fresh database, the API's port in $api_port
  local name="$1" deadline
  cat >"$work/$name.conf" <<EOF
[scheduler]
    relay = $relay
    database = $work/$name.db
    listen = 127.0.0.1:0
[investigator "bench"]
    pubkey = $pubkey
[logging]
    level = $log_level
EOF
  rm -f "$work/$name.port"
  "$MIG" --config "$work/$name.conf" scheduler --port-file "$work/$name.port" 2>"$work/$name.log" &
  scheduler_pid=$!
  deadline=$((SECONDS + 30))
  until [[ -s "$work/$name.port" ]]; do
    if ! kill -0 "$scheduler_pid" 2>/dev/null || ((SECONDS >= deadline)); then
      echo "fleet: the scheduler did not start:" >&2
      tail -n 20 "$work/$name.log" >&2
      exit 1
    fi
    sleep 0.05
  done
  api_port="$(cat "$work/$name.port")"
}

stop_scheduler() {
  kill -TERM "$scheduler_pid" 2>/dev/null || true
  wait "$scheduler_pid" 2>/dev/null || true
  scheduler_pid=""
}

echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2) x $(nproc); rabbitmq-server $(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null); scheduler log level $log_level" >&2
lines=()
status=0
for n in $agent_counts; do
  start_scheduler "scheduler-$n"
  # A distinct prefix per N: the queues of an earlier run (still bound, no longer consumed) never match.
  out="$work/fleet_load-$n.out"
  "$FLEET_LOAD" --relay "$relay" --api "http://127.0.0.1:$api_port/api/v1/" --key "$work/investigator.seed" \
    --agents "$n" --connections "$connections" --poll-ms "$poll_ms" --prefix "sim$n" >"$out" || status=1
  stop_scheduler
  cat "$out"
  mapfile -t -O "${#lines[@]}" lines <"$out"
  if grep -qE ' (warning|error) ' "$work/scheduler-$n.log"; then
    echo "fleet: the scheduler's warnings and errors (N=$n):" >&2
    grep -E ' (warning|error) ' "$work/scheduler-$n.log" | head -n 20 >&2
  fi
done

field() { grep -o " $1=[0-9-]*" <<<"$2" | cut -d= -f2; }
echo
echo "submit-to-last-result, $connections connections, counters polled every $poll_ms ms"
echo "(action 1: its commands are the first messages of new queues; action 2: the same queues again):"
for line in "${lines[@]}"; do
  printf '  %6s agents  action %s  submit %6s ms  last command %6s ms  last result %6s ms  %6s results/s\n' \
    "$(grep -o '^agents=[0-9]*' <<<"$line" | cut -d= -f2)" "$(field action "$line")" "$(field submit_ms "$line")" \
    "$(field last_command_ms "$line")" "$(field last_result_ms "$line")" "$(field rate "$line")"
done
exit "$status"
