#!/usr/bin/env bash
# AMQP throughput of mig's client (bench/amqp_bench.cc) against an isolated RabbitMQ on loopback, as the
# scheduler of a tools/site.sh site (its permissions allow declaring the benchmark's queue): over TCP with a
# PLAIN login, and over TLS with the scheduler's certificate and an EXTERNAL login. The broker and its site live
# in a temporary directory, removed afterwards.
#
#   bash bench/amqp.sh                          MESSAGES=20000 SIZE=1024 WINDOW=256 by default
#   SIZE=64 PERSISTENT=1 bash bench/amqp.sh     small messages; durable queue and persistent messages
#   BROKER_ENV=/path/broker.env SITE=/path/site bash bench/amqp.sh   a broker started by hand
#
# Prints amqp_bench's tables; nothing here asserts a rate. The broker's CPU is usually the limit: on a 2-core
# machine it shares the cores with the client.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ -z "${AMQP_BENCH:-}" ]]; then
  bazel build -c opt //bench:amqp_bench >&2
fi
bench="$(readlink -f "${AMQP_BENCH:-bazel-bin/bench/amqp_bench}")"
args=(--messages "${MESSAGES:-20000}" --size "${SIZE:-1024}" --window "${WINDOW:-256}")
[[ -z "${PERSISTENT:-}" ]] || args+=(--persistent)

if [[ -z "${BROKER_ENV:-}" ]]; then
  work="$(mktemp -d /tmp/mig-amqp-bench.XXXXXX)"
  trap 'tools/broker.sh stop "$work/broker" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
  SITE="$work/site"
  tools/site.sh init "$SITE" 2>/dev/null
  tools/site.sh plain "$SITE" 2>/dev/null
  tools/broker.sh start "$work/broker" --definitions "$SITE/definitions.json" --pki "$SITE"
  BROKER_ENV="$work/broker/broker.env"
fi
# shellcheck disable=SC1090
source "$BROKER_ENV"
password="$(cat "$SITE/passwords/scheduler")"

echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2) x $(nproc)"
"$bench" --port "$MIG_BROKER_AMQP_PORT" --vhost mig --user scheduler --password "$password" "${args[@]}"
echo
"$bench" --port "$MIG_BROKER_AMQPS_PORT" --vhost mig \
  --ca "$SITE/ca.crt" --cert "$SITE/scheduler.crt" --key "$SITE/scheduler.key" "${args[@]}"
