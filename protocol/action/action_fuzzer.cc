// Fuzzes the action parser, the canonical form and the authorization path: any input must be parsed or
// refused without crashing, a parsed action must survive a round trip through its JSON with the same signed
// bytes, and authorization must reach a verdict.
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "protocol/action/action.h"
#include "protocol/authorization/authorize.h"

namespace {

using mig::authorization::Acl;
using mig::authorization::AclRule;
using mig::authorization::AuthorizationPolicy;
using mig::authorization::Keyring;

struct Fixture {
  Fixture() {
    std::array<uint8_t, 32> seed{};
    seed[0] = 42;
    alice = std::make_unique<mig::crypto::Ed25519KeyPair>(mig::crypto::Ed25519KeyPair::FromSeed(seed));
    (void)keys.Add("alice", alice->public_key());
    AclRule rule;
    rule.minimum_weight = 1;
    rule.weights["alice"] = 1;
    acl.Set("default", rule);
  }
  std::unique_ptr<mig::crypto::Ed25519KeyPair> alice;
  Keyring keys;
  Acl acl;
  AuthorizationPolicy policy;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* fixture = new Fixture();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<mig::action::Action> action = mig::action::ParseAction(input);
  auto module_exists = [](std::string_view m) { return m == "file" || m == "netstat"; };
  absl::Time now = absl::FromUnixSeconds(1800000000);
  mig::authorization::AuthorizeJson(input, now, fixture->acl, fixture->keys, fixture->policy, module_exists, nullptr);
  if (!action.ok()) return 0;

  absl::StatusOr<std::string> bytes = mig::action::SigningBytes(*action);
  if (!bytes.ok()) __builtin_trap();  // a parsed action can always be signed
  absl::StatusOr<mig::action::Action> again = mig::action::ParseAction(mig::action::ActionToJson(*action));
  if (!again.ok()) __builtin_trap();
  absl::StatusOr<std::string> again_bytes = mig::action::SigningBytes(*again);
  if (!again_bytes.ok() || *again_bytes != *bytes) __builtin_trap();

  // Signed by a known key, the same action must verify up to its own time and ACL checks.
  mig::action::Action signed_action = *action;
  signed_action.signatures.clear();
  absl::StatusOr<mig::action::Signature> signature = mig::action::SignAction(signed_action, *fixture->alice);
  if (!signature.ok()) __builtin_trap();
  signed_action.signatures.push_back(*signature);
  mig::authorization::Verdict verdict = mig::authorization::Authorize(signed_action, now, fixture->acl, fixture->keys,
                                                                      fixture->policy, module_exists, nullptr);
  if (verdict.refusal == mig::authorization::Refusal::kBadSignature ||
      verdict.refusal == mig::authorization::Refusal::kUnknownSigner) {
    __builtin_trap();
  }
  return 0;
}
