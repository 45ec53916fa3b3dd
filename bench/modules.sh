#!/usr/bin/env bash
# How long each inspection module takes on this host, side by side with the command an investigator would
# otherwise run (ss, ip, dpkg-query, ssh-keygen, ping). Startup of the binary is shown too: most module runs
# are a few milliseconds of work after it.
#
#   bazel build //:mig && bash bench/modules.sh       # RUNS=20 by default
#
# Prints hyperfine's tables; nothing here asserts a time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ -z "${MIG:-}" ]]; then
  bazel build //:mig  # the shipped (musl, static) build; bazel-bin follows the last build's configuration
fi
mig="$(readlink -f "${MIG:-bazel-bin/mig}")"
runs="${RUNS:-20}"
out="${OUT:-/tmp/mig-bench}"
mkdir -p "$out"

hf() { hyperfine -N --ignore-failure --warmup 2 --style basic --runs "$runs" "$@"; }
# Slow commands get fewer runs.
hf_few() { hyperfine -N --ignore-failure --warmup 1 --style basic --runs 5 "$@"; }

echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2) x $(nproc); $(ls /proc | grep -c '^[0-9]') processes"
echo; echo "== startup"
hf --export-markdown "$out/startup.md" "$mig version"

echo; echo "== netstat: listening port, connected IP, neighbours"
hf --export-markdown "$out/netstat.md" \
  "ss -tuna" "$mig netstat --local -lp 22" "$mig netstat --local -ci 127.0.0.1" \
  "ip neigh" "$mig netstat --local -nm ." "$mig netstat --local -lp 22 -namespaces"

echo; echo "== pkg: one package by name, and every package"
hf --export-markdown "$out/pkg.md" \
  "dpkg-query -W openssl" "$mig pkg --local -name ^openssl\$" \
  "dpkg-query -W" "$mig pkg --local -name ."

echo; echo "== sshkey: keys under /root, /home and /etc/ssh"
keys=$(find /root /home /etc/ssh -maxdepth 3 -name '*.pub' 2>/dev/null | head -50 | tr '\n' ' ')
if [[ -n "$keys" ]]; then
  hf --export-markdown "$out/sshkey.md" \
    "sh -c 'for k in $keys; do ssh-keygen -l -f \$k; done'" \
    "$mig sshkey --local -path /root -path /home -path /etc/ssh"
else
  hf --export-markdown "$out/sshkey.md" "$mig sshkey --local -path /root -path /home -path /etc/ssh"
fi

echo; echo "== memory: every process's memory for a string no process holds, and a name-only search"
marker="mig-bench-$$-absent"
hf_few --export-markdown "$out/memory.md" \
  "$mig memory --local -content $marker" \
  "$mig memory --local -name sshd -lib libcrypto"
for args in "-content $marker" "-name sshd"; do
  # shellcheck disable=SC2086
  /usr/bin/time -f '%M' -o "$out/rss" "$mig" memory --local $args >/dev/null 2>&1 || true
  echo "peak RSS of mig memory $args: $(tail -n1 "$out/rss") KB"
done

echo; echo "== ping: three ICMP pings of loopback (MIG waits 100 ms between pings)"
hf_few --export-markdown "$out/ping.md" \
  "ping -c 3 -i 0.1 -q 127.0.0.1" "$mig ping --local -d 127.0.0.1 -c 3"

echo; echo "== timedrift: local time only (no NTP server is reachable from this machine)"
hf --export-markdown "$out/timedrift.md" "$mig timedrift --local"
