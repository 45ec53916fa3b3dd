// Finding SSH keys: walks directories (not following links to directories, so no loops), reads regular
// files up to 1 MiB, and reports private keys, public keys and authorized_keys entries with their
// fingerprints.
//
//   ScanOutcome outcome = ScanForKeys({.paths = {"/root", "/home"}, .max_depth = 8}, context);
//   std::vector<KeyEntry> keys = InspectFile("/home/a/.ssh/authorized_keys", text, &errors);
#ifndef MIG_MODULES_SSHKEY_SCAN_H_
#define MIG_MODULES_SSHKEY_SCAN_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "modules/module.h"

namespace mig::modules::sshkey {

// What MIG calls KeyInfo.Type.
inline constexpr std::string_view kKindPrivate = "private";
inline constexpr std::string_view kKindPublic = "public";
inline constexpr std::string_view kKindAuthorizedKeys = "authorizedkeys";

// Larger files are not keys; MIG's search used the same bound.
inline constexpr uint64_t kMaxKeyFileBytes = 1 << 20;

struct KeyEntry {
  std::string path;
  std::string kind;  // kKindPrivate, kKindPublic or kKindAuthorizedKeys
  bool encrypted = false;
  std::string fingerprint_md5;     // "MD5:..." or empty when unknown (an encrypted PEM key)
  std::string fingerprint_sha256;  // "SHA256:..." or empty
  std::string key_type;            // "RSA", "ED25519", ... as ssh-keygen -l prints it; empty when unknown
  int bits = 0;
  std::string comment;
  int line = 0;  // the line of a public key or authorized_keys entry; 0 for private keys
};

// The keys in one file's contents. Unparsable key lines in .pub and authorized_keys files are reported in
// `errors` (once per file); other files are only searched for what parses as a key.
std::vector<KeyEntry> InspectFile(const std::string& path, std::string_view text, std::vector<std::string>* errors);

struct ScanRequest {
  std::vector<std::string> paths;
  uint64_t max_depth = 8;
  // Paths that do not exist are errors, unless they are defaults that a host may simply not have.
  bool missing_paths_are_errors = true;
};

struct ScanOutcome {
  std::vector<KeyEntry> keys;  // sorted by path, then line
  std::vector<std::string> errors;
  uint64_t files_checked = 0;
  bool stopped = false;  // by the deadline or a cancellation
};

ScanOutcome ScanForKeys(const ScanRequest& request, const RunContext& context);

}  // namespace mig::modules::sshkey

#endif  // MIG_MODULES_SSHKEY_SCAN_H_
