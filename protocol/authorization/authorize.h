// The one decision every agent makes before running anything, also made by `mig action verify`: run this
// action only if every signature verifies against a known investigator key, the signers' weights satisfy
// the ACL of EVERY module in it, it is inside its validity window (with a little clock skew), its window is
// not too long, every module exists, and it has not run before.
//
//   Verdict v = Authorize(action, absl::Now(), acl, keys, policy, module_exists, replay_cache);
//   if (!v.authorized()) refuse(v.reason);   // e.g. "operation 1 (memory): signers' weight 1 is below 2"
#ifndef MIG_PROTOCOL_AUTHORIZATION_AUTHORIZE_H_
#define MIG_PROTOCOL_AUTHORIZATION_AUTHORIZE_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "protocol/action/action.h"
#include "protocol/authorization/policy.h"
#include "protocol/authorization/replay_cache.h"

namespace mig::authorization {

enum class Refusal {
  kNone,
  kMalformed,  // the action could not be parsed, or is inconsistent
  kNoSignature,
  kUnknownSigner,    // a signature by a key that is not an investigator's
  kBadSignature,     // a signature that does not verify
  kDuplicateSigner,  // the same investigator signed twice, counted once, and that was not enough
  kUnknownModule,
  kInsufficientWeight,  // for some operation, the signers' weight is below its module's minimum
  kNotYetValid,
  kExpired,
  kValidityTooLong,
  kReplayed,            // the action id ran before
  kReplayCacheFailure,  // the id could not be recorded, so running it could not be made safe
};

std::string_view RefusalName(Refusal refusal);

struct Verdict {
  Refusal refusal = Refusal::kNone;
  std::string reason;                // for people and logs; names the operation, signer or time concerned
  std::vector<std::string> signers;  // names of the investigators whose signatures verified

  bool authorized() const { return refusal == Refusal::kNone; }
};

using ModuleExists = std::function<bool(std::string_view module)>;

// With a replay cache, an authorized action's id is recorded (durably) before the verdict returns, so it
// cannot run twice; without one (mig action verify), nothing is recorded.
Verdict Authorize(const action::Action& action, absl::Time now, const Acl& acl, const Keyring& keys,
                  const AuthorizationPolicy& policy, const ModuleExists& module_exists, ReplayCache* replay_cache);

// The same from the action's JSON: a parse failure is a kMalformed refusal.
Verdict AuthorizeJson(std::string_view action_json, absl::Time now, const Acl& acl, const Keyring& keys,
                      const AuthorizationPolicy& policy, const ModuleExists& module_exists, ReplayCache* replay_cache);

}  // namespace mig::authorization

#endif  // MIG_PROTOCOL_AUTHORIZATION_AUTHORIZE_H_
