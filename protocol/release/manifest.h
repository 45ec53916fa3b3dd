// Release manifests: what a release is (its version, validity, platform, and each file's name, size, SHA-256
// and mode), signed with Ed25519 release keys — keys of their own, separate from investigators' — by any
// number of release signers. A loader installs a release only if enough DISTINCT configured release keys
// signed it, it has not expired, it is for this platform, and it moves the installed version forward (or is
// a rollback signed as one, for exactly the version it rolls back from).
//
//   MIG_ASSIGN_OR_RETURN(Manifest m, ParseManifest(text));          // strict: unknown fields are errors
//   m.signatures.push_back(SignManifest(m, release_key));            // SigningBytes(m) is what is signed
//   MIG_RETURN_IF_ERROR(VerifyManifestSignatures(m, keys, threshold));
//   MIG_RETURN_IF_ERROR(CheckInstallable(m, installed_version, absl::Now()));
//
// The JSON:
//   {"format": "mig-release-v1", "version": "0.2.0", "created": RFC 3339, "expires": RFC 3339,
//    "platform": "linux-x86_64", "rollbackfrom": "0.3.0" (only in a rollback),
//    "files": [{"name": "mig-0.2.0", "size": 123, "sha256": "<64 hex>", "mode": "0755"}],
//    "signatures": [{"keyid": "<16 hex>", "signature": "<base64 of 64 bytes>"}]}
// A file's name is relative to the manifest's location (the same directory, or URL prefix): a plain name,
// no '/' and no "..". Signatures cover "mig-release-v1\n" followed by the canonical JSON (protocol/action/canonical.h)
// of the manifest without "signatures", so a release signature can never pass for an action's.
#ifndef MIG_PROTOCOL_RELEASE_MANIFEST_H_
#define MIG_PROTOCOL_RELEASE_MANIFEST_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crypto/ed25519.h"

namespace mig::release {

inline constexpr std::string_view kManifestFormat = "mig-release-v1";
inline constexpr size_t kMaxManifestBytes = 1 << 20;
inline constexpr size_t kMaxManifestFiles = 16;
inline constexpr size_t kMaxManifestSignatures = 16;
inline constexpr uint64_t kMaxReleaseFileBytes = uint64_t{1} << 30;
// The platform this binary runs on; a manifest for another one is refused.
inline constexpr std::string_view kThisPlatform = "linux-x86_64";
// The file of a release that is the mig binary itself.
inline constexpr std::string_view kBinaryFilePrefix = "mig";

struct ReleaseFile {
  std::string name;  // relative to the manifest, e.g. "mig-0.2.0"
  uint64_t size = 0;
  std::array<uint8_t, 32> sha256{};
  uint32_t mode = 0755;  // permission bits only: no setuid/setgid/sticky, not group/other-writable
};

struct ReleaseSignature {
  std::string key_id;  // crypto::Ed25519PublicKey::KeyId() of the signer
  crypto::Ed25519Signature signature;
};

struct Manifest {
  std::string version;                     // a Version (below)
  absl::Time created = absl::UnixEpoch();  // whole seconds
  absl::Time expires = absl::UnixEpoch();  // after this no loader installs it
  std::string platform = std::string(kThisPlatform);
  std::optional<std::string> rollback_from;  // set only in a rollback manifest
  std::vector<ReleaseFile> files;
  std::vector<ReleaseSignature> signatures;
};

// Parses a manifest. Unknown fields, duplicate keys, wrong types, bad versions, hashes, modes, file names
// (with '/', "..", duplicates) and oversized parts are errors naming the field. Signatures are not checked.
absl::StatusOr<Manifest> ParseManifest(std::string_view json);

// The manifest as JSON (indented for people when `indent`), signatures included; parses back to the same.
std::string ManifestToJson(const Manifest& manifest, bool indent = true);

// The bytes every signature covers.
absl::StatusOr<std::string> SigningBytes(const Manifest& manifest);
absl::StatusOr<ReleaseSignature> SignManifest(const Manifest& manifest, const crypto::Ed25519KeyPair& key);

// OK when at least `threshold` DISTINCT keys of `release_keys` made a valid signature. A second signature by
// the same key counts once; a signature by a key not in `release_keys`, or one that does not verify, counts
// for nothing. The error (FailedPrecondition) says how many valid distinct signers there were out of how
// many needed, and what was wrong with each signature that did not count ("signature 2: key 3f9a… is not a
// release key", "signature 1: does not verify", "signature 3: key … signed twice, counted once").
// `threshold` 0, or fewer keys than the threshold, is an error too (InvalidArgument).
absl::Status VerifyManifestSignatures(const Manifest& manifest,
                                      const std::vector<crypto::Ed25519PublicKey>& release_keys, uint64_t threshold);

// Whether a manifest whose signatures verified may replace what is installed (`installed_version` nullopt:
// nothing is, a first install). FailedPrecondition, naming the reason, when: it expired (or was created more
// than 5 minutes in the future), its platform is not kThisPlatform, it has no binary file (exactly one file
// whose name starts with kBinaryFilePrefix), or — not a rollback — its version is not newer than the
// installed one; a rollback must have rollback_from equal to the installed version and a version older than
// it (so an old rollback cannot be replayed once a newer release is installed).
absl::Status CheckInstallable(const Manifest& manifest, const std::optional<std::string>& installed_version,
                              absl::Time now);

// The binary's entry of a manifest that passed CheckInstallable.
const ReleaseFile& BinaryFile(const Manifest& manifest);

// Versions: dotted numbers with an optional pre-release, "1.2", "0.2.0", "1.0.0-rc.1" (at most 4 numbers,
// each below 2^31; the pre-release of [0-9A-Za-z.-]). Ordered as semantic versions: numbers compare
// numerically (missing ones are 0), a pre-release comes before its release, pre-release identifiers compare
// numerically when both are numbers, else bytewise, numbers before words, fewer identifiers first.
absl::Status CheckVersion(std::string_view version);
// <0, 0, >0 as a is older than, the same as, newer than b. Both must pass CheckVersion.
int CompareVersions(std::string_view a, std::string_view b);

}  // namespace mig::release

#endif  // MIG_PROTOCOL_RELEASE_MANIFEST_H_
