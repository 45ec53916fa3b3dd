#include "crypto/ed25519.h"

#include <string>

#include "absl/strings/escaping.h"
#include "catch2/catch.hpp"

namespace mig::crypto {
namespace {

std::array<uint8_t, 32> Bytes32(std::string_view hex) {
  std::string raw = absl::HexStringToBytes(hex);
  std::array<uint8_t, 32> out;
  memcpy(out.data(), raw.data(), 32);
  return out;
}

struct Rfc8032Case {
  const char* seed;
  const char* public_key;
  const char* message_hex;
  const char* signature;
};

// RFC 8032, section 7.1, tests 1 to 3.
const Rfc8032Case kRfc8032[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe246"
     "55141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb"
     "00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc"
     "027beceea1ec40a"},
};

TEST_CASE("Ed25519 signs and verifies as RFC 8032 says") {
  for (const Rfc8032Case& c : kRfc8032) {
    Ed25519KeyPair pair = Ed25519KeyPair::FromSeed(Bytes32(c.seed));
    CHECK(absl::BytesToHexString(
              std::string_view(reinterpret_cast<const char*>(pair.public_key().bytes().data()), 32)) == c.public_key);
    std::string message = absl::HexStringToBytes(c.message_hex);
    Ed25519Signature sig = pair.Sign(message);
    CHECK(absl::BytesToHexString(std::string_view(reinterpret_cast<const char*>(sig.data()), 64)) == c.signature);
    CHECK(pair.public_key().Verify(message, sig));
    sig[10] ^= 1;
    CHECK_FALSE(pair.public_key().Verify(message, sig));
  }
}

TEST_CASE("Public keys and signatures round-trip through their text forms; key ids are stable") {
  Ed25519KeyPair pair = Ed25519KeyPair::FromSeed(Bytes32(kRfc8032[0].seed));
  std::string text = pair.public_key().ToString();
  CHECK(text == "ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  absl::StatusOr<Ed25519PublicKey> parsed = Ed25519PublicKey::Parse(text);
  REQUIRE(parsed.ok());
  CHECK(*parsed == pair.public_key());
  // sha256 of the raw key, first 8 bytes.
  CHECK(pair.public_key().KeyId() == "21fe31dfa154a261");
  CHECK(pair.public_key().KeyId().size() == 16);
  Ed25519Signature sig = pair.Sign("m");
  absl::StatusOr<Ed25519Signature> back = SignatureFromBase64(SignatureToBase64(sig));
  REQUIRE(back.ok());
  CHECK(*back == sig);
  for (const char* bad :
       {"", "ed25519:", "ed25519:AAAA", "rsa:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "ed25519:***"}) {
    CHECK_FALSE(Ed25519PublicKey::Parse(bad).ok());
  }
  CHECK_FALSE(SignatureFromBase64("AAAA").ok());
}

TEST_CASE("Generated keys differ") {
  CHECK_FALSE(Ed25519KeyPair::Generate().public_key() == Ed25519KeyPair::Generate().public_key());
}

}  // namespace
}  // namespace mig::crypto
