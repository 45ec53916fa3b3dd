// Fuzzes the release manifest parser and the version order: any input must be parsed or refused without
// crashing; a parsed manifest must print back to JSON that parses to the same manifest with the same signed
// bytes, and a signature by a release key over it must verify; versions must compare as a total order.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "protocol/release/manifest.h"

namespace {

using mig::release::Manifest;

bool SameManifest(const Manifest& a, const Manifest& b) {
  if (a.version != b.version || a.created != b.created || a.expires != b.expires || a.platform != b.platform ||
      a.rollback_from != b.rollback_from || a.files.size() != b.files.size() ||
      a.signatures.size() != b.signatures.size()) {
    return false;
  }
  for (size_t i = 0; i < a.files.size(); ++i) {
    const auto &fa = a.files[i], &fb = b.files[i];
    if (fa.name != fb.name || fa.size != fb.size || fa.sha256 != fb.sha256 || fa.mode != fb.mode) return false;
  }
  for (size_t i = 0; i < a.signatures.size(); ++i) {
    if (a.signatures[i].key_id != b.signatures[i].key_id || a.signatures[i].signature != b.signatures[i].signature) {
      return false;
    }
  }
  return true;
}

int Sign(int c) { return c < 0 ? -1 : (c > 0 ? 1 : 0); }

void CheckVersionOrder(std::string_view input) {
  size_t newline = input.find('\n');
  if (newline == std::string_view::npos) return;
  std::string_view a = input.substr(0, newline), b = input.substr(newline + 1);
  if (!mig::release::CheckVersion(a).ok() || !mig::release::CheckVersion(b).ok()) return;
  if (Sign(mig::release::CompareVersions(a, b)) != -Sign(mig::release::CompareVersions(b, a))) __builtin_trap();
  if (mig::release::CompareVersions(a, a) != 0) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const mig::crypto::Ed25519KeyPair* key = [] {
    std::array<uint8_t, 32> seed{};
    seed[0] = 42;
    return new mig::crypto::Ed25519KeyPair(mig::crypto::Ed25519KeyPair::FromSeed(seed));
  }();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckVersionOrder(input);
  absl::StatusOr<Manifest> manifest = mig::release::ParseManifest(input);
  if (!manifest.ok()) return 0;

  absl::StatusOr<std::string> bytes = mig::release::SigningBytes(*manifest);
  if (!bytes.ok()) __builtin_trap();  // a parsed manifest can always be signed
  for (bool indent : {false, true}) {
    absl::StatusOr<Manifest> again = mig::release::ParseManifest(mig::release::ManifestToJson(*manifest, indent));
    if (!again.ok() || !SameManifest(*manifest, *again)) __builtin_trap();
    absl::StatusOr<std::string> again_bytes = mig::release::SigningBytes(*again);
    if (!again_bytes.ok() || *again_bytes != *bytes) __builtin_trap();
  }

  Manifest signed_manifest = *manifest;
  signed_manifest.signatures.clear();
  absl::StatusOr<mig::release::ReleaseSignature> signature = mig::release::SignManifest(signed_manifest, *key);
  if (!signature.ok()) __builtin_trap();
  signed_manifest.signatures.push_back(*signature);
  if (!mig::release::VerifyManifestSignatures(signed_manifest, {key->public_key()}, 1).ok()) __builtin_trap();
  // Whatever the input says, the verdicts are reached without crashing.
  (void)mig::release::VerifyManifestSignatures(*manifest, {key->public_key()}, 1);
  absl::Time now = absl::FromUnixSeconds(1800000000);
  if (mig::release::CheckInstallable(*manifest, std::nullopt, now).ok()) {
    (void)mig::release::BinaryFile(*manifest);
  }
  (void)mig::release::CheckInstallable(*manifest, std::string("0.2.0"), now);
  return 0;
}
