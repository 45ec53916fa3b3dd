// The sshkey module: find SSH private keys, public keys and authorized_keys entries, with fingerprints.
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "modules/module.h"
#include "modules/result.h"
#include "modules/sshkey/command_line.h"
#include "modules/sshkey/parameters.h"
#include "modules/sshkey/render.h"
#include "modules/sshkey/result.h"
#include "modules/sshkey/scan.h"
#include "modules/typed_module.h"

namespace mig::modules::sshkey {
namespace {

constexpr std::string_view kHelp =
    R"(Finds SSH keys under the given paths (default /root and /home), with MIG's sshkey module parameters
and results: private keys (and whether they are encrypted), public keys and authorized_keys entries, each
with its MD5 and SHA-256 fingerprints exactly as `ssh-keygen -l -E md5` and `ssh-keygen -l` print them,
its type and size.

Key types: RSA, DSA, ECDSA (P-256/384/521), Ed25519, the FIDO ECDSA-SK and Ed25519-SK, and OpenSSH
certificates of each (fingerprints of the certified key, as ssh-keygen). Private keys in
OpenSSH's format carry their public key in the clear, so they have fingerprints even when encrypted;
unencrypted PEM (RSA, DSA, EC) and PKCS#8 keys get theirs from the private key; encrypted PEM and PKCS#8
keys are listed as encrypted without fingerprints. Regular text files up to 1 MiB are read (a NUL byte in
the first 8 KiB marks a binary file, which is skipped); links to files are
followed, links to directories are not.

Examples:
  mig sshkey --local
  mig sshkey --local -path /home -path /etc/ssh -maxdepth 3
  mig sshkey --local -path /root -render json | jq -r '.elements.keys[] | select(.encrypted == false and .type == "private") | .path'
  mig sshkey -t "os='linux'" -path /home)";

std::string RunSshkey(const Parameters& parameters, const RunContext& context) {
  absl::Time start = absl::Now();
  ScanRequest request{.paths = parameters.paths, .max_depth = parameters.EffectiveMaxDepth()};
  if (request.paths.empty()) {
    request.paths = DefaultPaths();
    request.missing_paths_are_errors = false;
  }
  ScanOutcome outcome = ScanForKeys(request, context);
  return ResultJson(outcome, absl::Now() - start);
}

using SshkeyModule = TypedModule<Parameters, SshkeyCommandLine>;

const bool kRegistered = RegisterModule(std::make_unique<SshkeyModule>(SshkeyModule::Spec{
    .name = "sshkey",
    .summary = "find SSH private/public keys and authorized_keys entries, with their fingerprints",
    .help = kHelp,
    .parse = ParseParameters,
    .run = RunSshkey,
    .render = RenderResultText,
    .units = {"files", "directories"},
}));

}  // namespace
}  // namespace mig::modules::sshkey
