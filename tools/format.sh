#!/usr/bin/env bash
# The C and C++ sources of the project (not third_party/), formatted as .clang-format says (STYLE.md).
#   bash tools/format.sh          # rewrites what is not formatted
#   bash tools/format.sh --check  # lists what is not formatted, exits 1 if anything is (tools/test.sh)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
clang_format=$(command -v clang-format-14 || command -v clang-format || true)
if [[ -z $clang_format ]]; then
  echo "tools/format.sh: clang-format is not installed (apt-get install clang-format-14)" >&2
  exit 2
fi
if git rev-parse --git-dir >/dev/null 2>&1; then
  mapfile -t sources < <(git ls-files -- '*.cc' '*.h' '*.c' ':!third_party/**')
else
  mapfile -t sources < <(find . -path ./third_party -prune -o -path './bazel-*' -prune -o \
                           -type f \( -name '*.cc' -o -name '*.h' -o -name '*.c' \) -print | sed 's|^\./||' | sort)
fi
if [[ ${1:-} == --check ]]; then
  unformatted=()
  for f in "${sources[@]}"; do
    "$clang_format" --dry-run -Werror "$f" >/dev/null 2>&1 || unformatted+=("$f")
  done
  if ((${#unformatted[@]})); then
    printf 'not formatted (run bash tools/format.sh):\n' >&2
    printf '  %s\n' "${unformatted[@]}" >&2
    exit 1
  fi
  echo "tools/format.sh: ${#sources[@]} files formatted" >&2
else
  "$clang_format" -i "${sources[@]}"
fi
