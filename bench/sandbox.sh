#!/usr/bin/env bash
# The module sandbox's cost on the file module's /usr sweep: the same local sweeps with the sandbox (a forked
# child under seccomp-BPF, niced, idle I/O class, memory cap: the default) and with --no-sandbox, warm page
# cache; and the agent's way, `mig module-run file`, sandboxed or not.
#
#   bazel build //:mig && bash bench/sandbox.sh          # RUNS=10 TREE=/usr by default
#
# Prints hyperfine's tables; nothing here asserts a time. Under seccomp every system call goes through the
# filter (a linear allow-list), so the sweeps that make the most system calls (names: getdents64 and
# fstatat per entry) show the filter's cost most; digests and content are dominated by reading.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ -z "${MIG:-}" ]]; then
  bazel build //:mig
fi
mig="$(readlink -f "${MIG:-bazel-out/k8-fastbuild/bin/mig}")"
tree="${TREE:-/usr}"
runs="${RUNS:-10}"
out="${OUT:-/tmp/mig-bench}"
mkdir -p "$out"
echo "tree: $tree ($(find "$tree" -type f 2>/dev/null | wc -l) files); cpu: $(nproc) x$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
find "$tree" -type f -print0 2>/dev/null | xargs -0 cat >/dev/null 2>&1 || true
missing_hash=$(echo "mig sandbox benchmark $$" | sha256sum | cut -c1-64)
hf() { hyperfine --ignore-failure --warmup 1 --style basic "$@"; }

echo; echo "== names: -name '^ls\$' (system-call bound)"
hf --runs "$runs" --export-markdown "$out/sandbox-name.md" \
  "$mig file --local --no-sandbox -path $tree -name '^ls\$'" \
  "$mig file --local -path $tree -name '^ls\$'"

echo; echo "== SHA-256 of every file (read bound)"
hf --runs "$(( runs < 5 ? runs : 5 ))" --export-markdown "$out/sandbox-sha256.md" \
  "$mig file --local --no-sandbox -path $tree -sha2 $missing_hash" \
  "$mig file --local -path $tree -sha2 $missing_hash"

echo; echo "== the agent's way: mig module-run file (names)"
params="{\"searches\":{\"s1\":{\"paths\":[\"$tree\"],\"names\":[\"^ls\$\"]}}}"
echo "$params" > "$out/sandbox-params.json"
hf --runs "$runs" --export-markdown "$out/sandbox-module-run.md" \
  "$mig module-run file --no-sandbox < $out/sandbox-params.json" \
  "$mig module-run file --memory-limit 1073741824 < $out/sandbox-params.json"
