// SSH private key files: OpenSSH's own format ("-----BEGIN OPENSSH PRIVATE KEY-----", whose public key is
// stored in the clear, so even an encrypted key has fingerprints), PEM keys ("RSA/DSA/EC PRIVATE KEY",
// encrypted when "Proc-Type: 4,ENCRYPTED") and PKCS#8 ("PRIVATE KEY", "ENCRYPTED PRIVATE KEY"). For
// unencrypted PEM and PKCS#8 keys the public key is derived from the private one.
//
//   absl::StatusOr<PrivateKeyFile> key = ParsePrivateKeyFile(text);
//   if (absl::IsNotFound(key.status())) ...   // no private key in the text
//   key->encrypted; key->public_key;          // public_key is empty when it cannot be known without the passphrase
#ifndef MIG_MODULES_SSHKEY_PRIVATE_KEY_H_
#define MIG_MODULES_SSHKEY_PRIVATE_KEY_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "modules/sshkey/public_key.h"

namespace mig::modules::sshkey {

struct PrivateKeyFile {
  std::string format;  // "openssh", "pem" (PKCS#1 RSA, DSA, SEC1 EC) or "pkcs8"
  bool encrypted = false;
  std::optional<PublicKey> public_key;
  std::string comment;  // OpenSSH keys carry one (in the encrypted part, so only unencrypted ones show it)
};

// NotFound when the text holds no private key armour; InvalidArgument naming the problem when it does but
// the key cannot be read.
absl::StatusOr<PrivateKeyFile> ParsePrivateKeyFile(std::string_view text);

}  // namespace mig::modules::sshkey

#endif  // MIG_MODULES_SSHKEY_PRIVATE_KEY_H_
