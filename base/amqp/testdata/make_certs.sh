#!/usr/bin/env bash
# Regenerates the test PKI of //amqp's unit tests (valid for 100 years; the CA keys are not kept):
#   ca.crt            the CA of the test broker and clients
#   server.crt/.key   CN=localhost, subjectAltName DNS:localhost, signed by ca
#   client.crt/.key   CN=alpha, signed by ca
#   other_ca.crt      an unrelated CA
#   other_client.crt/.key  CN=alpha, signed by other_ca
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
key() { openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1" -out "$tmp/csr" -subj "$2" 2>/dev/null; }
sign() {  # sign CERT CA_NAME EXTENSIONS
  openssl x509 -req -in "$tmp/csr" -CA "$2.crt" -CAkey "$tmp/$2.key" -CAcreateserial -CAserial "$tmp/serial" \
    -out "$1" -days 36500 -extfile <(printf "%b" "$3") 2>/dev/null
}
for ca in ca other_ca; do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/$ca.key" -out "$ca.crt" \
    -days 36500 -subj "/CN=mig test $ca" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
done
key server.key /CN=localhost
sign server.crt ca 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost\n'
key client.key "/CN=alpha/O=mig test"
sign client.crt ca 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n'
key other_client.key /CN=alpha
sign other_client.crt other_ca 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n'
chmod 0644 ./*.crt ./*.key
