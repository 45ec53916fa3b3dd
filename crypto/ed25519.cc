#include "crypto/ed25519.h"

#include <cstdlib>
#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/digest.h"
#include "sodium.h"

namespace mig::crypto {

void EnsureSodiumInitialized() {
  static const bool initialized = [] {
    if (sodium_init() < 0) std::abort();  // no usable randomness: nothing safe can be done
    return true;
  }();
  (void)initialized;
}

absl::StatusOr<Ed25519PublicKey> Ed25519PublicKey::Parse(std::string_view text) {
  std::string raw;
  if (!absl::StartsWith(text, kPrefix) || !absl::Base64Unescape(text.substr(kPrefix.size()), &raw) ||
      raw.size() != 32) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not an Ed25519 public key (ed25519:<base64 of 32 bytes>)"));
  }
  std::array<uint8_t, 32> bytes;
  memcpy(bytes.data(), raw.data(), 32);
  return Ed25519PublicKey(bytes);
}

std::string Ed25519PublicKey::ToString() const {
  return absl::StrCat(kPrefix, absl::Base64Escape(std::string_view(reinterpret_cast<const char*>(bytes_.data()), 32)));
}

std::string Ed25519PublicKey::KeyId() const {
  DigestValue digest = ComputeDigest(DigestAlgorithm::kSha256, bytes_.data(), bytes_.size());
  return digest.ToHex().substr(0, 16);
}

bool Ed25519PublicKey::Verify(std::string_view message, const Ed25519Signature& signature) const {
  EnsureSodiumInitialized();
  return crypto_sign_verify_detached(signature.data(), reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), bytes_.data()) == 0;
}

Ed25519KeyPair Ed25519KeyPair::Generate() {
  EnsureSodiumInitialized();
  std::array<uint8_t, 32> seed;
  randombytes_buf(seed.data(), seed.size());
  Ed25519KeyPair pair = FromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  return pair;
}

Ed25519KeyPair Ed25519KeyPair::FromSeed(const std::array<uint8_t, 32>& seed) {
  EnsureSodiumInitialized();
  Ed25519KeyPair pair;
  pair.seed_ = seed;
  std::array<uint8_t, 32> public_bytes;
  crypto_sign_seed_keypair(public_bytes.data(), pair.secret_key_.data(), seed.data());
  pair.public_key_ = Ed25519PublicKey(public_bytes);
  return pair;
}

Ed25519KeyPair::~Ed25519KeyPair() {
  sodium_memzero(seed_.data(), seed_.size());
  sodium_memzero(secret_key_.data(), secret_key_.size());
}

Ed25519KeyPair::Ed25519KeyPair(const Ed25519KeyPair& other) = default;
Ed25519KeyPair& Ed25519KeyPair::operator=(const Ed25519KeyPair& other) = default;

Ed25519Signature Ed25519KeyPair::Sign(std::string_view message) const {
  EnsureSodiumInitialized();
  Ed25519Signature signature;
  crypto_sign_detached(signature.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), secret_key_.data());
  return signature;
}

std::string SignatureToBase64(const Ed25519Signature& signature) {
  return absl::Base64Escape(std::string_view(reinterpret_cast<const char*>(signature.data()), signature.size()));
}

absl::StatusOr<Ed25519Signature> SignatureFromBase64(std::string_view text) {
  std::string raw;
  if (!absl::Base64Unescape(text, &raw) || raw.size() != 64) {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "' is not a base64 Ed25519 signature (64 bytes)"));
  }
  Ed25519Signature signature;
  memcpy(signature.data(), raw.data(), 64);
  return signature;
}

}  // namespace mig::crypto
