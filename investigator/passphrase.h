// Passphrases for secret key files: from MIG_PASSPHRASE (for scripts), else asked on the terminal with echo
// off. Never from a command-line flag: those end up in shell history and in /proc/<pid>/cmdline.
//
//   MIG_ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase("passphrase for alice.key: ", false));
//   MIG_ASSIGN_OR_RETURN(crypto::SecretKeyFile key, ReadSigningKey("alice.key"));
#ifndef MIG_INVESTIGATOR_PASSPHRASE_H_
#define MIG_INVESTIGATOR_PASSPHRASE_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/key_file.h"

namespace mig::investigator {

inline constexpr char kPassphraseEnv[] = "MIG_PASSPHRASE";

// With `confirm`, the terminal asks twice and the answers must match (MIG_PASSPHRASE is taken as is).
// An empty passphrase is refused: --no-passphrase is how a key is left unprotected, on purpose.
absl::StatusOr<std::string> ReadPassphrase(std::string_view prompt, bool confirm);

// A secret key file for signing (actions, releases, API requests), with its passphrase read as above when
// it is sealed.
absl::StatusOr<crypto::SecretKeyFile> ReadSigningKey(const std::string& path);

}  // namespace mig::investigator

#endif  // MIG_INVESTIGATOR_PASSPHRASE_H_
