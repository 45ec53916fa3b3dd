// Ed25519 signatures (libsodium) for actions and releases: keys, their text form and their key ids.
//
//   Ed25519KeyPair pair = Ed25519KeyPair::Generate();
//   std::string text = pair.public_key().ToString();          // "ed25519:<base64 of 32 bytes>"
//   std::string id = pair.public_key().KeyId();                // "3f9a1c0b7d2e4f10"
//   Ed25519Signature sig = pair.Sign(message);
//   bool ok = pair.public_key().Verify(message, sig);
#ifndef MIG_CRYPTO_ED25519_H_
#define MIG_CRYPTO_ED25519_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace mig::crypto {

using Ed25519Signature = std::array<uint8_t, 64>;

class Ed25519PublicKey {
 public:
  static constexpr std::string_view kPrefix = "ed25519:";

  Ed25519PublicKey() = default;
  explicit Ed25519PublicKey(const std::array<uint8_t, 32>& bytes) : bytes_(bytes) {}

  // Parses "ed25519:<base64>"; the error names the text.
  static absl::StatusOr<Ed25519PublicKey> Parse(std::string_view text);

  std::string ToString() const;
  // A short, stable fingerprint: the first 8 bytes of SHA-256 of the key, in hex (16 characters).
  std::string KeyId() const;
  bool Verify(std::string_view message, const Ed25519Signature& signature) const;

  const std::array<uint8_t, 32>& bytes() const { return bytes_; }
  friend bool operator==(const Ed25519PublicKey& a, const Ed25519PublicKey& b) { return a.bytes_ == b.bytes_; }

 private:
  std::array<uint8_t, 32> bytes_{};
};

// A key pair, derived from its 32-byte seed. The seed is the secret: it is wiped when the pair is destroyed.
class Ed25519KeyPair {
 public:
  static Ed25519KeyPair Generate();
  static Ed25519KeyPair FromSeed(const std::array<uint8_t, 32>& seed);
  ~Ed25519KeyPair();
  Ed25519KeyPair(const Ed25519KeyPair& other);
  Ed25519KeyPair& operator=(const Ed25519KeyPair& other);

  const Ed25519PublicKey& public_key() const { return public_key_; }
  const std::array<uint8_t, 32>& seed() const { return seed_; }
  Ed25519Signature Sign(std::string_view message) const;

 private:
  Ed25519KeyPair() = default;
  std::array<uint8_t, 32> seed_{};
  std::array<uint8_t, 64> secret_key_{};
  Ed25519PublicKey public_key_;
};

// Base64 (standard alphabet, padded) of a signature, and back.
std::string SignatureToBase64(const Ed25519Signature& signature);
absl::StatusOr<Ed25519Signature> SignatureFromBase64(std::string_view text);

// libsodium must be initialized once before use; every function here does it. Idempotent, thread-safe.
void EnsureSodiumInitialized();

}  // namespace mig::crypto

#endif  // MIG_CRYPTO_ED25519_H_
