#!/usr/bin/env bash
# Issues a mig site's broker PKI and RabbitMQ definitions: who may connect to the broker, and what each may do.
#
# Usage:
#   tools/site.sh init <site-dir>             CA, the broker's certificate, the scheduler's; definitions.json
#   tools/site.sh agent <site-dir> <name>...  one certificate per new agent; definitions.json rewritten
#   tools/site.sh plain <site-dir>            passwords for every user (plain mode); definitions.json rewritten
#   tools/site.sh definitions <site-dir>      rewrite definitions.json from what the site holds
#
# A site directory:
#   ca.crt ca.key                 the site's CA (EC P-256, ECDSA-SHA256, 10 years); it signs every certificate
#   broker.crt broker.key         the broker's (CN=localhost; SAN DNS:localhost, IP:127.0.0.1; serverAuth)
#   scheduler.crt scheduler.key   the scheduler's client certificate (CN=scheduler; clientAuth)
#   agents/<name>.crt .key        an agent's client certificate (CN=<name>; clientAuth)
#   passwords/<user>              plain mode only: the user's password (scheduler and every agent)
#   definitions.json              RabbitMQ definitions: `tools/broker.sh start <dir> --definitions <site>/definitions.json
#                                 --pki <site>` serves this site.
# Private keys and passwords are mode 0600. The certificate's CN is the AMQP user (EXTERNAL login).
# Leaf certificates last 825 days ($MIG_SITE_DAYS overrides). Every command is idempotent: what exists is kept
# (an agent's certificate is never reissued; init never replaces a CA); definitions.json is always rewritten.
#
# Messaging topology (vhost mig):
#   exchange mig.agents  (direct, durable)   scheduler -> agent <name>, routing key <name>,
#                                            into queue mig.agent.<name> (durable)
#   exchange mig.results (topic, durable)    agent -> scheduler, routing keys <name>.results and <name>.heartbeat,
#                                            into queues mig.scheduler.results (#.results) and
#                                            mig.scheduler.heartbeats (#.heartbeat), durable: '#' so that agent
#                                            names with dots (web1.example) route too
#   policy heartbeats-expire: heartbeats older than 10 minutes are dropped from mig.scheduler.heartbeats
#                                (and at most 1,000,000 kept), so a scheduler that is down does not make
#                                them pile up; results are never dropped.
# Permissions:
#   scheduler  configure, write, read ^mig\.
#   <name>     configure ^$   write ^mig\.results$   read ^mig\.agent\.<name>$
#              topic permission on mig.results: write ^<name>\.[^.]+$ (its own name, dots escaped, then one word),
#              read ^$
# So an agent can read only its own queue, declares and binds nothing, publishes only to mig.results and only
# under its own name.
# Caveats: clients on mbedTLS 2.28 must verify the broker's name as "localhost": it does not match IP
# addresses in subjectAltName. Names may hold dots: the topic permission (name escaped, then exactly one
# word) keeps agent "a" from publishing as agent "a.b", and the '#' bindings route every name.
set -euo pipefail

readonly days="${MIG_SITE_DAYS:-825}"
readonly ca_days=3650
python=/usr/bin/python3
[[ -x "$python" ]] || python="$(command -v python3 || echo python3)"

die() {
  echo "site: error: $*" >&2
  exit 1
}
say() { echo "site: $*" >&2; }

usage() {
  sed -n '/^# Usage:/,/^# A site directory:/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

command -v openssl >/dev/null 2>&1 || die "openssl is not installed: run tools/setup.sh"

# Agent names: lowercase letters, digits, '.' and '-', starting with a letter or digit; at most 64 characters
# (a certificate's CN limit). "scheduler" is the scheduler's user.
valid_agent_name() {
  [[ "$1" =~ ^[a-z0-9][a-z0-9.-]{0,63}$ && "$1" != scheduler ]]
}

# The openssl configuration for every certificate this script issues.
openssl_config() {
  cat <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
[ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
}

new_key() {  # new_key FILE: an EC P-256 private key, mode 0600 from the start
  (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.tmp" 2>/dev/null) ||
    die "openssl could not generate a key"
  mv "$1.tmp" "$1"
}

# issue SITE PREFIX CN EXTENSIONS: PREFIX.key and PREFIX.crt signed by the site's CA. Kept if both exist.
issue() {
  local site="$1" prefix="$2" cn="$3" ext="$4" cfg
  if [[ -f "$prefix.crt" && -f "$prefix.key" ]]; then return 0; fi
  cfg="$(mktemp)"
  openssl_config >"$cfg"
  new_key "$prefix.key"
  openssl req -new -config "$cfg" -key "$prefix.key" -subj "/O=mig/CN=$cn" -out "$prefix.csr" 2>/dev/null ||
    die "openssl could not make a request for $cn"
  openssl x509 -req -in "$prefix.csr" -CA "$site/ca.crt" -CAkey "$site/ca.key" -sha256 -days "$days" \
    -set_serial "0x$(openssl rand -hex 16)" -extfile "$cfg" -extensions "$ext" -out "$prefix.crt.tmp" 2>/dev/null ||
    die "openssl could not sign the certificate of $cn"
  mv "$prefix.crt.tmp" "$prefix.crt"
  rm -f "$prefix.csr" "$cfg"
  chmod 0644 "$prefix.crt"
  say "issued $prefix.crt (CN=$cn)"
}

site_dir() {
  [[ -n "${1:-}" ]] || usage
  echo "$1"
}

require_ca() {
  [[ -f "$1/ca.crt" && -f "$1/ca.key" ]] || die "$1 has no CA: tools/site.sh init $1 first"
}

agents_of() {  # the site's agents, one a line, sorted
  local f
  for f in "$1"/agents/*.crt; do
    [[ -f "$f" ]] || continue
    f="${f##*/}"
    echo "${f%.crt}"
  done | LC_ALL=C sort
}

new_password() {  # new_password FILE: 24 random characters from [A-Za-z0-9_-], mode 0600
  (umask 077 && openssl rand -base64 18 | tr '+/' '-_' | tr -d '\n=' >"$1.tmp")
  mv "$1.tmp" "$1"
}

write_definitions() {
  local site="$1" agents
  mapfile -t agents < <(agents_of "$site")
  "$python" - "$site" "${agents[@]}" <<'EOF'
import base64, hashlib, json, os, sys

site, agents = sys.argv[1], sys.argv[2:]
VHOST = "mig"

def password_hash(user):
    # RabbitMQ's rabbit_password_hashing_sha256: base64(salt + sha256(salt + password)), 4-byte salt.
    path = os.path.join(site, "passwords", user)
    if not os.path.exists(path):
        return ""  # no password: PLAIN login refused, only EXTERNAL (certificate) works
    with open(path, "rb") as f:
        password = f.read().strip()
    salt = os.urandom(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password).digest()).decode()

def user(name):
    return {"name": name, "password_hash": password_hash(name),
            "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": []}

def esc(name):
    return name.replace(".", r"\.")  # names are [a-z0-9.-]: '.' is their only regex metacharacter

def queue(name):
    return {"name": name, "vhost": VHOST, "durable": True, "auto_delete": False, "arguments": {}}

def binding(source, queue_name, key):
    return {"source": source, "vhost": VHOST, "destination": queue_name, "destination_type": "queue",
            "routing_key": key, "arguments": {}}

def exchange(name, kind):
    return {"name": name, "vhost": VHOST, "type": kind, "durable": True, "auto_delete": False,
            "internal": False, "arguments": {}}

definitions = {
    "vhosts": [{"name": VHOST}],
    "users": [user("scheduler")] + [user(a) for a in agents],
    "permissions": [{"user": "scheduler", "vhost": VHOST,
                     "configure": r"^mig\.", "write": r"^mig\.", "read": r"^mig\."}] +
                   [{"user": a, "vhost": VHOST, "configure": "^$", "write": r"^mig\.results$",
                     "read": r"^mig\.agent\.%s$" % esc(a)} for a in agents],
    "topic_permissions": [{"user": a, "vhost": VHOST, "exchange": "mig.results",
                           "write": r"^%s\.[^.]+$" % esc(a), "read": "^$"} for a in agents],
    "exchanges": [exchange("mig.agents", "direct"), exchange("mig.results", "topic")],
    "queues": [queue("mig.scheduler.results"), queue("mig.scheduler.heartbeats")] +
              [queue("mig.agent." + a) for a in agents],
    "bindings": [binding("mig.results", "mig.scheduler.results", "#.results"),
                 binding("mig.results", "mig.scheduler.heartbeats", "#.heartbeat")] +
                [binding("mig.agents", "mig.agent." + a, a) for a in agents],
    # A heartbeat is worth nothing after a few minutes: while the scheduler is down they must not pile up
    # without bound (results must, and do: they are never dropped).
    "policies": [{"vhost": VHOST, "name": "heartbeats-expire", "pattern": r"^mig\.scheduler\.heartbeats$",
                  "apply-to": "queues", "priority": 0,
                  "definition": {"message-ttl": 600000, "max-length": 1000000, "overflow": "drop-head"}}],
}
tmp = os.path.join(site, "definitions.json.tmp")
with open(tmp, "w") as f:
    json.dump(definitions, f, indent=2)
    f.write("\n")
os.replace(tmp, os.path.join(site, "definitions.json"))
EOF
  say "wrote $site/definitions.json (${#agents[@]} agents)"
}

cmd_init() {
  (($# == 1)) || usage
  local site cfg
  site="$(site_dir "$1")"
  mkdir -p "$site/agents"
  if [[ -f "$site/ca.crt" || -f "$site/ca.key" ]]; then
    [[ -f "$site/ca.crt" && -f "$site/ca.key" ]] ||
      die "$site has half a CA (ca.crt or ca.key missing); refusing to replace it: move it away first"
    openssl x509 -in "$site/ca.crt" -noout 2>/dev/null || die "$site/ca.crt is not a certificate"
    say "keeping the CA in $site"
  else
    cfg="$(mktemp)"
    openssl_config >"$cfg"
    new_key "$site/ca.key"
    openssl req -new -x509 -config "$cfg" -key "$site/ca.key" -subj "/O=mig/CN=mig site CA" -sha256 \
      -days "$ca_days" -set_serial "0x$(openssl rand -hex 16)" -extensions ca -out "$site/ca.crt.tmp" 2>/dev/null ||
      die "openssl could not make the CA"
    mv "$site/ca.crt.tmp" "$site/ca.crt"
    rm -f "$cfg"
    say "issued $site/ca.crt"
  fi
  issue "$site" "$site/broker" localhost server
  issue "$site" "$site/scheduler" scheduler client
  write_definitions "$site"
}

cmd_agent() {
  (($# >= 2)) || usage
  local site name
  site="$(site_dir "$1")"
  shift
  require_ca "$site"
  for name in "$@"; do
    valid_agent_name "$name" ||
      die "bad agent name '$name': [a-z0-9][a-z0-9.-]*, at most 64 characters, not 'scheduler'"
  done
  mkdir -p "$site/agents"
  for name in "$@"; do
    issue "$site" "$site/agents/$name" "$name" client
    if [[ -d "$site/passwords" && ! -f "$site/passwords/$name" ]]; then new_password "$site/passwords/$name"; fi
  done
  write_definitions "$site"
}

cmd_plain() {
  (($# == 1)) || usage
  local site user
  site="$(site_dir "$1")"
  require_ca "$site"
  (umask 077 && mkdir -p "$site/passwords")
  for user in scheduler $(agents_of "$site"); do
    [[ -f "$site/passwords/$user" ]] || new_password "$site/passwords/$user"
  done
  say "passwords in $site/passwords/"
  write_definitions "$site"
}

cmd_definitions() {
  (($# == 1)) || usage
  local site
  site="$(site_dir "$1")"
  require_ca "$site"
  write_definitions "$site"
}

(($#)) || usage
command="$1"
shift
case "$command" in
  init) cmd_init "$@" ;;
  agent) cmd_agent "$@" ;;
  plain) cmd_plain "$@" ;;
  definitions) cmd_definitions "$@" ;;
  *) usage ;;
esac
