#include "protocol/authorization/authorize.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace mig::authorization {
namespace {

Verdict Refuse(Refusal refusal, std::string reason, std::vector<std::string> signers = {}) {
  return Verdict{refusal, std::move(reason), std::move(signers)};
}

}  // namespace

std::string_view RefusalName(Refusal refusal) {
  switch (refusal) {
    case Refusal::kNone:
      return "authorized";
    case Refusal::kMalformed:
      return "malformed";
    case Refusal::kNoSignature:
      return "no signature";
    case Refusal::kUnknownSigner:
      return "unknown signer";
    case Refusal::kBadSignature:
      return "bad signature";
    case Refusal::kDuplicateSigner:
      return "duplicate signer";
    case Refusal::kUnknownModule:
      return "unknown module";
    case Refusal::kInsufficientWeight:
      return "insufficient weight";
    case Refusal::kNotYetValid:
      return "not yet valid";
    case Refusal::kExpired:
      return "expired";
    case Refusal::kValidityTooLong:
      return "validity too long";
    case Refusal::kReplayed:
      return "replayed";
    case Refusal::kReplayCacheFailure:
      return "replay cache failure";
  }
  return "unknown";
}

Verdict Authorize(const action::Action& action, absl::Time now, const Acl& acl, const Keyring& keys,
                  const AuthorizationPolicy& policy, const ModuleExists& module_exists, ReplayCache* replay_cache) {
  if (action.id == 0) return Refuse(Refusal::kMalformed, "the action has no id");
  if (action.operations.empty()) return Refuse(Refusal::kMalformed, "the action has no operation");
  if (action.expire_after <= action.valid_from) {
    return Refuse(Refusal::kMalformed, "the action expires before it becomes valid");
  }
  if (action.signatures.empty()) return Refuse(Refusal::kNoSignature, "the action is not signed");
  absl::StatusOr<std::string> signed_bytes = action::SigningBytes(action);
  if (!signed_bytes.ok()) return Refuse(Refusal::kMalformed, std::string(signed_bytes.status().message()));

  // Every signature must be an investigator's and must verify; each investigator counts once.
  std::set<std::string> signers;
  std::vector<std::string> signer_list;
  std::vector<std::string> duplicates;
  for (size_t i = 0; i < action.signatures.size(); ++i) {
    const action::Signature& s = action.signatures[i];
    const Investigator* investigator = keys.FindByKeyId(s.key_id);
    if (investigator == nullptr) {
      return Refuse(Refusal::kUnknownSigner,
                    absl::StrCat("signature ", i, " is by key ", s.key_id, ", which is no known investigator's"));
    }
    if (!investigator->key.Verify(*signed_bytes, s.signature)) {
      return Refuse(Refusal::kBadSignature,
                    absl::StrCat("signature ", i, " by ", investigator->name, " (", s.key_id,
                                 ") does not verify: the action was changed after signing, or the signature "
                                 "belongs to another action"));
    }
    if (!signers.insert(investigator->name).second) {
      duplicates.push_back(investigator->name);
    } else {
      signer_list.push_back(investigator->name);
    }
  }

  // Every operation's module must exist and the signers must weigh enough in its ACL (every operation:
  // checking only the first would let a cheap operation carry an expensive one, MIG bug #408).
  for (size_t i = 0; i < action.operations.size(); ++i) {
    const std::string& module = action.operations[i].module;
    if (!module_exists(module)) {
      return Refuse(Refusal::kUnknownModule, absl::StrCat("operation ", i, ": no module '", module, "'"), signer_list);
    }
    const AclRule* rule = acl.For(module);
    if (rule == nullptr) {
      return Refuse(Refusal::kInsufficientWeight,
                    absl::StrCat("operation ", i, " (", module, "): no ACL allows this module (and no default ACL)"),
                    signer_list);
    }
    // Saturating: a sum that would pass the largest count is at least that large, never wrapped to a small one.
    uint64_t weight = 0;
    for (const std::string& signer : signers) {
      auto it = rule->weights.find(signer);
      if (it != rule->weights.end() && __builtin_add_overflow(weight, it->second, &weight)) weight = UINT64_MAX;
    }
    if (weight < rule->minimum_weight) {
      std::string reason = absl::StrCat("operation ", i, " (", module, "): the signers' weight ", weight,
                                        " is below the minimum of ", rule->minimum_weight);
      if (!duplicates.empty()) {
        absl::StrAppend(&reason, " (", absl::StrJoin(duplicates, ", "), " signed more than once, counted once)");
        return Refuse(Refusal::kDuplicateSigner, std::move(reason), signer_list);
      }
      return Refuse(Refusal::kInsufficientWeight, std::move(reason), signer_list);
    }
  }

  if (action.expire_after - action.valid_from > policy.max_validity) {
    return Refuse(
        Refusal::kValidityTooLong,
        absl::StrCat("the action is valid for ", absl::FormatDuration(action.expire_after - action.valid_from),
                     ", longer than the allowed ", absl::FormatDuration(policy.max_validity)),
        signer_list);
  }
  if (now < action.valid_from - policy.clock_skew) {
    return Refuse(Refusal::kNotYetValid,
                  absl::StrCat("the action is not valid before ", action::FormatActionTime(action.valid_from), " (now ",
                               action::FormatActionTime(now), ")"),
                  signer_list);
  }
  if (now > action.expire_after + policy.clock_skew) {
    return Refuse(Refusal::kExpired,
                  absl::StrCat("the action expired at ", action::FormatActionTime(action.expire_after), " (now ",
                               action::FormatActionTime(now), ")"),
                  signer_list);
  }

  if (replay_cache != nullptr) {
    if (replay_cache->Contains(action.id)) {
      return Refuse(Refusal::kReplayed, absl::StrCat("action ", action.id, " already ran here"), signer_list);
    }
    // Remember it as long as it could still be accepted.
    absl::Status recorded = replay_cache->Record(action.id, action.expire_after + policy.clock_skew, now);
    if (absl::IsAlreadyExists(recorded)) {
      return Refuse(Refusal::kReplayed, absl::StrCat("action ", action.id, " already ran here"), signer_list);
    }
    if (!recorded.ok()) {
      return Refuse(Refusal::kReplayCacheFailure, std::string(recorded.message()), signer_list);
    }
  }
  return Verdict{Refusal::kNone, absl::StrCat("signed by ", absl::StrJoin(signer_list, ", ")), signer_list};
}

Verdict AuthorizeJson(std::string_view action_json, absl::Time now, const Acl& acl, const Keyring& keys,
                      const AuthorizationPolicy& policy, const ModuleExists& module_exists, ReplayCache* replay_cache) {
  absl::StatusOr<action::Action> action = action::ParseAction(action_json);
  if (!action.ok()) return Refuse(Refusal::kMalformed, std::string(action.status().message()));
  return Authorize(*action, now, acl, keys, policy, module_exists, replay_cache);
}

}  // namespace mig::authorization
