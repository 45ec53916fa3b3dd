#!/usr/bin/env bash
# The file module's sweeps of a whole tree (default /usr), warm page cache, side by side with the tools an
# investigator would otherwise use: fd and GNU find for names, `find | xargs openssl` and sha256sum for
# digests, ripgrep for content. Also the peak memory of each mig sweep and the binary's size.
#
#   bazel build //:mig && bash bench/file_sweep.sh            # RUNS=5 TREE=/usr by default
#
# Prints hyperfine's tables; nothing here asserts a time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ -z "${MIG:-}" ]]; then
  bazel build //:mig  # the shipped (musl, static) build; bazel-bin follows the last build's configuration
fi
mig="$(readlink -f "${MIG:-bazel-bin/mig}")"
tree="${TREE:-/usr}"
runs="${RUNS:-5}"
out="${OUT:-/tmp/mig-bench}"
mkdir -p "$out"

echo "tree: $tree ($(find "$tree" -type f 2>/dev/null | wc -l) files, $(du -sh "$tree" 2>/dev/null | cut -f1))"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2) x $(nproc)"
echo "mig: $mig ($(stat -c %s "$mig") bytes; $(file -bL "$mig" | cut -d, -f1-5))"
echo "warming the page cache..."
find "$tree" -type f -print0 2>/dev/null | xargs -0 cat >/dev/null 2>&1 || true

# A hash no file has, and the seed talk's content pattern.
missing_hash=$(echo "mig benchmark $$" | sha256sum | cut -c1-64)
pattern='PRODUCT=20a0/4107'

hf() { hyperfine --ignore-failure --warmup 1 --style basic "$@"; }

echo; echo "== name only: -name '^ls\$'"
hf --runs "$runs" --export-markdown "$out/name.md" \
  "fdfind -u -t f '^ls\$' $tree" \
  "find $tree -name ls" \
  "$mig file --local -path $tree -name '^ls\$'"

echo; echo "== SHA-256 of every file against one hash"
hf --runs "$(( runs < 3 ? runs : 3 ))" --export-markdown "$out/sha256.md" \
  "find $tree -type f -print0 | xargs -0 -P2 -n 1000 openssl dgst -sha256 >/dev/null" \
  "find $tree -type f -print0 | xargs -0 sha256sum >/dev/null" \
  "$mig file --local -path $tree -sha2 $missing_hash"

echo; echo "== content regex over every file: '$pattern'"
hf --runs "$runs" --export-markdown "$out/content.md" \
  "rg -l -uuu '$pattern' $tree" \
  "$mig file --local -path $tree -content '$pattern'"

echo; echo "== peak resident memory of each mig sweep"
for args in "-name ^ls\$" "-sha2 $missing_hash" "-content $pattern"; do
  # shellcheck disable=SC2086
  /usr/bin/time -f '%M' -o "$out/rss" "$mig" file --local -path "$tree" $args >/dev/null 2>&1 || true
  rss=$(tail -n1 "$out/rss")
  echo "mig file -path $tree $args: ${rss} KB"
done
