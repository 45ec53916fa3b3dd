#!/usr/bin/env bash
# tools/demo-fleet.sh, as README tells a newcomer to use it: one command stands up a fleet of 2 agents on a
# real broker; the lines it prints work as they are (export MIGRC, then the commands it suggests); a second
# start with more agents adds them to the running fleet; stop leaves no process behind.
# Runs standalone (MIG=bazel-bin/mig bash test/demo_fleet_test.sh) or as //test:demo_fleet_test.
set -euo pipefail

if [[ -n "${TEST_SRCDIR:-}" ]]; then
  root="$TEST_SRCDIR/${TEST_WORKSPACE:-mig}"
  export MIG="$root/mig"
else
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fi
demo="$root/tools/demo-fleet.sh"
tmp="$(mktemp -d "${TEST_TMPDIR:-/tmp}/demo_fleet_test.XXXXXX")"
dir="$tmp/fleet"
trap 'bash "$demo" stop "$dir" >/dev/null 2>&1 || true' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

out="$(bash "$demo" "$dir" 2 2>"$tmp/err")" || fail "start: $(cat "$tmp/err")"
grep -q "A fleet of 2 agents is up" <<<"$out" || fail "no greeting: $out"
# The lines it prints, run as printed.
export_line="$(grep -E '^ +export MIGRC=' <<<"$out")" || fail "no export line: $out"
eval "$export_line"
[[ "$(command -v mig)" == "$dir/bin/mig" ]] || fail "PATH does not lead to the fleet's mig"
list="$(mig agent list -t demo 2>&1)" || fail "agent list: $list"
[[ "$(grep -c ' online ' <<<"$list")" == 2 ]] || fail "not 2 agents online: $list"
suggested="$(grep -E "^ +mig file " <<<"$out" | sed 's/^ *//')" || fail "no file command suggested: $out"
found="$(eval "$suggested" 2>&1)" || fail "the suggested search ($suggested) failed: $found"
[[ "$(grep -c '/etc/passwd' <<<"$found")" == 2 ]] || fail "both agents should find /etc/passwd: $found"
grep -q "2 agents targeted, 2 answered, 2 found something" <<<"$found" || fail "summary: $found"
mig action list --mine >"$tmp/list" 2>&1 || fail "action list: $(cat "$tmp/list")"

# A third agent, added to the running fleet (its broker user imported into the running broker).
out="$(bash "$demo" start "$dir" 3 2>"$tmp/err")" || fail "growing to 3: $(cat "$tmp/err")"
[[ "$(mig agent list -t demo 2>/dev/null | grep -c ' online ')" == 3 ]] || fail "not 3 agents online"

status="$(bash "$demo" status "$dir")"
grep -q "scheduler  running" <<<"$status" || fail "status: $status"
bash "$demo" stop "$dir" 2>/dev/null
status="$(bash "$demo" status "$dir")"
if grep -q running <<<"$status"; then fail "still running after stop: $status"; fi
echo "PASS"
