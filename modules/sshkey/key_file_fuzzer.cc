// Fuzzes what the sshkey module makes of a file found on the host being searched (any user's home): the
// first byte names the file (authorized_keys, a .pub file, any other file), the rest is its contents. Any
// bytes give keys or errors without crashing, and every key found carries ssh-keygen's two fingerprints.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/match.h"
#include "modules/sshkey/scan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* const kPaths[] = {"/home/a/.ssh/authorized_keys", "/home/a/.ssh/id_ed25519.pub",
                                       "/home/a/.ssh/id_ed25519", "/root/.ssh/authorized_keys2"};
  std::string path = kPaths[data[0] % 4];
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<std::string> errors;
  std::vector<mig::modules::sshkey::KeyEntry> keys = mig::modules::sshkey::InspectFile(path, text, &errors);
  for (const mig::modules::sshkey::KeyEntry& key : keys) {
    if (key.path != path) __builtin_trap();
    bool known = !key.fingerprint_sha256.empty();
    // Both fingerprints or neither (an encrypted PEM key has none), in ssh-keygen's forms.
    if (known != !key.fingerprint_md5.empty()) __builtin_trap();
    if (known && (!absl::StartsWith(key.fingerprint_md5, "MD5:") || key.fingerprint_md5.size() != 4 + 47 ||
                  !absl::StartsWith(key.fingerprint_sha256, "SHA256:") || key.fingerprint_sha256.size() != 7 + 43)) {
      __builtin_trap();
    }
    if (known && (key.bits <= 0 || key.key_type.empty())) __builtin_trap();
  }
  return 0;
}
