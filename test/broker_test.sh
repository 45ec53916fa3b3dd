#!/usr/bin/env bash
# tools/site.sh and tools/broker.sh against the real broker (Debian's rabbitmq-server):
#   - a site with agents alpha and beta, TLS and plain mode; a second broker started at the same time;
#   - over AMQP (test/broker_check.py): TLS refuses clients without a certificate of the site's CA, EXTERNAL and
#     PLAIN logins, every permission of the site's definitions (an agent reads only its own queue, declares and
#     binds nothing, publishes only results under its own name);
#   - restart: same ports, the scheduler's queue and a persistent message survive;
#   - stop: no process left; clear errors (already running, port in use, missing PKI).
# Runs standalone (bash test/broker_test.sh) or as //test:broker_test.
set -euo pipefail

if [[ -n "${TEST_SRCDIR:-}" ]]; then
  root="$TEST_SRCDIR/${TEST_WORKSPACE:-mig}"
else
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fi
broker="$root/tools/broker.sh"
site_sh="$root/tools/site.sh"
check_py="$root/test/broker_check.py"
python=/usr/bin/python3
[[ -x "$python" ]] || python=python3

tmp="$(mktemp -d "${TEST_TMPDIR:-/tmp}/broker_test.XXXXXX")"
site="$tmp/site"
rogue="$tmp/rogue"
main="$tmp/main"
second="$tmp/second"
failed=0

cleanup() {
  local status=$?
  bash "$broker" stop "$main" >/dev/null 2>&1 || true
  bash "$broker" stop "$second" >/dev/null 2>&1 || true
  if ((status == 0 && failed == 0)); then rm -rf "$tmp"; else echo "kept $tmp for inspection" >&2; fi
}
trap cleanup EXIT
trap 'exit 143' TERM INT

ok() { echo "ok - $*"; }
fail() {
  echo "FAIL - $*"
  failed=1
}
expect() {  # expect NAME COMMAND...: the command succeeds
  local name="$1"
  shift
  if "$@"; then ok "$name"; else fail "$name"; fi
}
env_of() { sed -n "s/^$2=//p" "$1/broker.env"; }
alive() { [[ -e "/proc/$1" ]] && [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]]; }
descendants() {
  local pid child
  for pid in "$@"; do
    for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
      echo "$child"
      descendants "$child"
    done
  done
}
# Every process of an instance, one a line: the VM (and what runs under it), rabbitmq-server in front of it, epmd.
instance_pids() {
  local beam wrapper
  beam="$(env_of "$1" MIG_BROKER_PID)"
  wrapper="$(cat "$1/run/wrapper.pid")"
  printf '%s\n' "$beam" "$wrapper" "$(env_of "$1" MIG_BROKER_EPMD_PID)"
  descendants "$beam" "$wrapper"
}
none_alive() {
  local pid
  for pid in "$@"; do
    if alive "$pid"; then
      echo "  still running: $pid $({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | cut -c1-120)" >&2
      return 1
    fi
  done
}
port_closed() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# No process anywhere still refers to the test's directory.
nothing_under_tmp() {
  local f pid
  for f in /proc/[0-9]*/cmdline; do
    pid="${f#/proc/}"
    pid="${pid%/cmdline}"
    [[ "$pid" == "$$" || "$pid" == "$BASHPID" ]] && continue
    if { tr '\0' ' ' <"$f"; } 2>/dev/null | grep -qF -- "$tmp/"; then
      echo "  still running: $pid $({ tr '\0' ' ' <"$f"; } 2>/dev/null | cut -c1-120)" >&2
      return 1
    fi
  done
}

echo "# site: CA, broker, scheduler, agents alpha and beta, plain-mode passwords; a foreign CA's 'alpha'"
bash "$site_sh" init "$site"
bash "$site_sh" agent "$site" alpha beta
bash "$site_sh" plain "$site"
bash "$site_sh" init "$rogue" 2>/dev/null
bash "$site_sh" agent "$rogue" alpha 2>/dev/null
expect "private keys and passwords are mode 0600" \
  test "$(stat -c %a "$site/ca.key" "$site/broker.key" "$site/scheduler.key" "$site/agents/alpha.key" \
    "$site/passwords/alpha" | sort -u)" = 600
ca_before="$(sha256sum <"$site/ca.crt")"
bash "$site_sh" init "$site" 2>/dev/null
bash "$site_sh" agent "$site" alpha 2>/dev/null
expect "init and agent again keep the CA and the agents' certificates" \
  test "$(sha256sum <"$site/ca.crt")" = "$ca_before"
# shellcheck disable=SC2016  # expanded by the inner bash
expect "bad agent names are refused" \
  bash -c '! bash "$0" agent "$1" "Alpha" 2>/dev/null && ! bash "$0" agent "$1" "a/b" 2>/dev/null &&
    ! bash "$0" agent "$1" ".a" 2>/dev/null && ! bash "$0" agent "$1" scheduler 2>/dev/null' "$site_sh" "$site"

echo "# two brokers at once: $main (TLS + plain), $second (plain)"
bash "$broker" start "$main" --definitions "$site/definitions.json" --pki "$site" &
main_start=$!
bash "$broker" start "$second" --definitions "$site/definitions.json" &
second_start=$!
wait "$main_start" || { fail "start $main"; exit 1; }
wait "$second_start" || { fail "start $second"; exit 1; }
ok "two brokers started at once"
expect "their ports differ" test "$(env_of "$main" MIG_BROKER_AMQP_PORT)" != "$(env_of "$second" MIG_BROKER_AMQP_PORT)"
expect "status says running" bash "$broker" status "$main" >/dev/null
expect "a broker without --pki has no AMQPS port" test -z "$(env_of "$second" MIG_BROKER_AMQPS_PORT)"
if out="$(bash "$broker" start "$main" 2>&1)"; then
  fail "start on a running broker is refused"
else
  expect "start on a running broker is refused" grep -q "already runs" <<<"$out"
fi
mapfile -t second_pids < <(instance_pids "$second")
second_port="$(env_of "$second" MIG_BROKER_AMQP_PORT)"
bash "$broker" stop "$second"
expect "the second broker stopped without leftovers" none_alive "${second_pids[@]}"
# Its port taken by someone else: the next start says so.
"$python" -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(30)' "$second_port" &
squatter=$!
for _ in $(seq 50); do port_closed "$second_port" || break; sleep 0.1; done
if out="$(bash "$broker" start "$second" 2>&1)"; then
  fail "a start whose port is taken is refused"
else
  expect "a start whose port is taken is refused, naming the port" grep -q "port $second_port .*in use" <<<"$out"
fi
kill "$squatter"
wait "$squatter" 2>/dev/null || true
if out="$(bash "$broker" start "$tmp/nopki" --pki "$tmp/nowhere" 2>&1)"; then
  fail "--pki without certificates is refused"
else
  expect "--pki without certificates is refused" grep -q "has no ca.crt" <<<"$out"
fi

echo "# over AMQP"
token="command-$RANDOM$RANDOM"
if "$python" "$check_py" before "$main/broker.env" "$site" "$rogue" "$token"; then :; else failed=1; fi

echo "# restart"
ports_before="$(grep -E 'PORT=' "$main/broker.env")"
mapfile -t pids_before < <(instance_pids "$main")
bash "$broker" restart "$main"
expect "restart keeps the ports" test "$(grep -E 'PORT=' "$main/broker.env")" = "$ports_before"
expect "restart leaves none of the old processes" none_alive "${pids_before[@]}"
if "$python" "$check_py" after "$main/broker.env" "$site" "$token"; then :; else failed=1; fi
expect "rabbitmqctl (broker.sh ctl) sees the scheduler's queue" \
  grep -q '^mig.agent.gamma[[:space:]]1$' <<<"$(bash "$broker" ctl "$main" list_queues -p mig name messages)"

echo "# stop"
mapfile -t pids < <(instance_pids "$main")
amqp_port="$(env_of "$main" MIG_BROKER_AMQP_PORT)"
amqps_port="$(env_of "$main" MIG_BROKER_AMQPS_PORT)"
bash "$broker" stop "$main"
expect "stop leaves no process of the broker" none_alive "${pids[@]}"
expect "stop leaves no process using the test's directory" nothing_under_tmp
expect "stop closes the ports" port_closed "$amqp_port"
expect "stop closes the TLS port" port_closed "$amqps_port"
expect "stop removes broker.env" test ! -e "$main/broker.env"
status=0
bash "$broker" status "$main" >/dev/null || status=$?
expect "status says stopped (3)" test "$status" = 3
expect "stop again is harmless" bash "$broker" stop "$main"

if ((failed)); then
  echo "some checks failed"
  exit 1
fi
echo "all checks passed"
