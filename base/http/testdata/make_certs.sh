#!/usr/bin/env bash
# Regenerates the test PKI of //http's tests (EC P-256, valid for 100 years; the CA keys are not kept):
#   ca.crt            the CA of the test server
#   server.crt/.key   CN=localhost, subjectAltName DNS:localhost, signed by ca (mbedTLS 2.28 cannot verify
#                     IP addresses: clients connect to 127.0.0.1 with server_name "localhost")
#   other_ca.crt      an unrelated CA, which the server's certificate does not chain to
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for ca in ca other_ca; do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/$ca.key" -out "$ca.crt" \
    -days 36500 -subj "/CN=mig http test $ca" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
done
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out "$tmp/csr" \
  -subj /CN=localhost 2>/dev/null
openssl x509 -req -in "$tmp/csr" -CA ca.crt -CAkey "$tmp/ca.key" -CAcreateserial -CAserial "$tmp/serial" \
  -out server.crt -days 36500 \
  -extfile <(printf "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost\n") \
  2>/dev/null
chmod 0644 ./*.crt ./*.key
