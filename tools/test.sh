#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine and runs the whole test suite: once with the shipping
# musl toolchain, once with the host gcc under ASan + UBSan. This is what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash tools/setup.sh
echo "== formatting" >&2
bash tools/format.sh --check
echo "== tests (gcc, ASan + UBSan)" >&2
bazel test --nocache_test_results --config=asan //...
# Last, so that bazel-bin/ holds the shipped build afterwards.
echo "== tests (musl, static)" >&2
bazel test --nocache_test_results //...
echo "== all tests passed" >&2
