// OpenSSH public keys: the wire-format blob of every key type OpenSSH lists (ssh-rsa, ssh-dss,
// ecdsa-sha2-nistp256/384/521, ssh-ed25519, and the FIDO sk-ecdsa/sk-ssh-ed25519 types), their fingerprints
// exactly as `ssh-keygen -l` prints them, and the lines of .pub and authorized_keys files.
//
//   MIG_ASSIGN_OR_RETURN(KeyLine line, ParseKeyLine("ssh-ed25519 AAAAC3Nza... alice@host", /*allow_options=*/false));
//   line.key.bits                  // 256
//   line.key.display_type          // "ED25519", as ssh-keygen prints it in parentheses
//
// Certificates (ssh-ed25519-cert-v01@openssh.com, ...) are read too; like ssh-keygen, their fingerprints
// are those of the certified key, and their display type ends in "-CERT".
//   Sha256Fingerprint(line.key)    // "SHA256:k2hvvOb92sPb9VlX3egnwdXLx/5w2QMjONrhj88LbHo"
//   Md5Fingerprint(line.key)       // "MD5:0c:6c:9e:39:..."
#ifndef MIG_MODULES_SSHKEY_PUBLIC_KEY_H_
#define MIG_MODULES_SSHKEY_PUBLIC_KEY_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace mig::modules::sshkey {

struct PublicKey {
  std::string type;          // the blob's type name: "ssh-rsa", "ecdsa-sha2-nistp256", ...
  std::string blob;          // the wire-format public key, which fingerprints hash (a certificate's plain key)
  int bits = 0;              // as ssh-keygen -l: modulus bits (RSA), p bits (DSA), curve bits, 256 for Ed25519
  std::string display_type;  // as ssh-keygen -l: "RSA", "DSA", "ECDSA", "ED25519", "ECDSA-SK", "ED25519-SK"
};

// Parses and checks a wire-format public key blob; the error says what is wrong with it.
absl::StatusOr<PublicKey> ParsePublicKeyBlob(std::string_view blob);

// True for the type names ParsePublicKeyBlob() accepts, certificates included.
bool IsKnownKeyType(std::string_view type);

// "MD5:" then the 16 bytes of MD5(blob) as colon-separated lowercase hex (ssh-keygen -l -E md5).
std::string Md5Fingerprint(const PublicKey& key);
// "SHA256:" then base64 of SHA-256(blob) without padding (ssh-keygen -l).
std::string Sha256Fingerprint(const PublicKey& key);

struct KeyLine {
  PublicKey key;
  std::string comment;
  std::string options;  // authorized_keys options before the key ("from=\"10.0.0.0/8\",no-pty"), if any
};

// One line of a .pub or authorized_keys file: [options] type base64 [comment]. Options are accepted only
// when `allow_options` (authorized_keys). The type named on the line must be the blob's type.
absl::StatusOr<KeyLine> ParseKeyLine(std::string_view line, bool allow_options);

}  // namespace mig::modules::sshkey

#endif  // MIG_MODULES_SSHKEY_PUBLIC_KEY_H_
