#!/usr/bin/env bash
# The scribe module on this host, side by side with what an investigator would otherwise run:
#   - the engine alone: 10,000 evr tests over 2,000 crafted packages (bench/scribe_bench.cc);
#   - `mig scribe --local` with the policy `mig scribe policy --from-apt` makes from this host's apt lists
#     (one test per package of the security suite), next to `apt list --upgradable`, which answers the same
#     question from the same lists;
#   - `mig scribe evr` next to `dpkg --compare-versions`.
#
#   bash bench/scribe.sh          # RUNS=20 by default
#
# Prints hyperfine's tables and the engine's medians; nothing here asserts a time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bazel build //:mig //bench:scribe_bench
mig="$(readlink -f "${MIG:-bazel-bin/mig}")"
bench="$(readlink -f bazel-bin/bench/scribe_bench)"
runs="${RUNS:-20}"
out="${OUT:-/tmp/mig-bench}"
mkdir -p "$out"
hf() { hyperfine -N --ignore-failure --warmup 2 --style basic --runs "$runs" "$@"; }

echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2) x $(nproc); $(dpkg-query -W | wc -l) packages installed"
echo; echo "== the engine: 10,000 tests over 2,000 packages (parse and check the policy, then evaluate)"
"$bench"

echo; echo "== a policy from this host's apt lists, evaluated here, and apt's own answer"
"$mig" scribe policy --from-apt -o "$out/apt-policy.json"
hf --export-markdown "$out/scribe-apt.md" \
  "apt list --upgradable" \
  "$mig scribe --local -path $out/apt-policy.json -onlytrue"

echo; echo "== one version comparison"
hf --export-markdown "$out/scribe-evr.md" \
  "dpkg --compare-versions 1:2.0~rc1-1 lt 1:2.0-1" "$mig scribe evr 1:2.0~rc1-1 lt 1:2.0-1"
