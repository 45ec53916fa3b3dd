#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine, builds the static `mig` binary and runs local sweeps of
# this host with it: the same module code an agent runs, with no server.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash tools/setup.sh
bazel build //:mig
mig=bazel-bin/mig
file -L "$mig"
ls -la "$(readlink -f "$mig")"

echo
echo "== Which files under /usr have the same SHA-256 as /usr/bin/ls?"
hash=$(sha256sum /usr/bin/ls | cut -c1-64)
echo "\$ mig file --local -path /usr -sha2 $hash"
"$mig" file --local -path /usr -sha2 "$hash"

echo
echo "== Where are the ssh and sudo binaries, two levels deep in /usr and /bin? (the seed talk's sweep)"
echo "\$ mig file --local -path /usr -path /bin -name '^(ssh|sudo|ls)\$' -matchany -maxdepth 2"
"$mig" file --local -path /usr -path /bin -name '^(ssh|sudo|ls)$' -matchany -maxdepth 2 || true

echo
echo "== Does /etc/passwd give any account a login shell? (name and content must both match)"
echo "\$ mig file --local -path /etc -name '^passwd\$' -content '^[^:]+:[^:]*:[0-9]+:[0-9]+:[^:]*:[^:]*:/bin/(ba|z|k)?sh\$' -maxdepth 1"
"$mig" file --local -path /etc -name '^passwd$' -content '^[^:]+:[^:]*:[0-9]+:[0-9]+:[^:]*:[^:]*:/bin/(ba|z|k)?sh$' -maxdepth 1 || true

echo
echo "== The same search as JSON, for scripts (first 300 characters)"
"$mig" file --local -path /etc -name '^passwd$' -maxdepth 1 -render json | cut -c1-300
