// Investigator (and release) secret key files: the Ed25519 seed sealed with a key derived from a passphrase
// by Argon2id (crypto_pwhash) and encrypted with crypto_secretbox. Written with mode 0600, atomically; read
// only if no one else can read them. Without a passphrase the seed is stored in clear, on purpose only.
//
//   MIG_RETURN_IF_ERROR(WriteSecretKeyFile("alice.key", "alice", pair, passphrase, KdfStrength::kModerate));
//   MIG_RETURN_IF_ERROR(WritePublicKeyFile("alice.key.pub", "alice", pair.public_key()));
//   MIG_ASSIGN_OR_RETURN(SecretKeyFile key, ReadSecretKeyFile("alice.key", passphrase));
//
// The secret file is JSON: {"format":"mig-secret-key-v1","name","publickey","kdf":"argon2id13"|"none",
// "opslimit","memlimit","salt","nonce","sealed"} (or "seed" with kdf "none").
// The public file is one line, "ed25519:<base64> <name>", the form the configuration takes.
#ifndef MIG_CRYPTO_KEY_FILE_H_
#define MIG_CRYPTO_KEY_FILE_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/ed25519.h"

namespace mig::crypto {

enum class KdfStrength {
  kInteractive,  // 64 MiB, ~0.1 s
  kModerate,     // 256 MiB, ~0.7 s: the default for investigator keys
  kSensitive,    // 1 GiB, ~3.5 s
};

struct SecretKeyFile {
  std::string name;
  Ed25519KeyPair key;
};

struct PublicKeyFile {
  std::string name;
  Ed25519PublicKey key;
};

// Fails if `path` exists (unless `overwrite`). `passphrase` nullopt stores the seed in clear.
absl::Status WriteSecretKeyFile(const std::string& path, std::string_view name, const Ed25519KeyPair& key,
                                const std::optional<std::string>& passphrase, KdfStrength strength,
                                bool overwrite = false);
absl::Status WritePublicKeyFile(const std::string& path, std::string_view name, const Ed25519PublicKey& key,
                                bool overwrite = false);

// What a secret key file says about itself, read without the passphrase: its name, the public key it
// records (checked against the secret only when the secret is unsealed) and whether it is sealed.
struct SecretKeyFileSummary {
  std::string name;
  Ed25519PublicKey public_key;
  bool needs_passphrase = true;
};
absl::StatusOr<SecretKeyFileSummary> InspectSecretKeyFile(const std::string& path);
absl::StatusOr<SecretKeyFile> ReadSecretKeyFile(const std::string& path, const std::optional<std::string>& passphrase);
absl::StatusOr<PublicKeyFile> ReadPublicKeyFile(const std::string& path);

}  // namespace mig::crypto

#endif  // MIG_CRYPTO_KEY_FILE_H_
