#include "authorization/policy.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace mig::authorization {

absl::Status Keyring::Add(std::string name, const crypto::Ed25519PublicKey& key) {
  std::string key_id = key.KeyId();
  if (by_key_id_.count(key_id)) {
    return absl::AlreadyExistsError(absl::StrCat("investigators '", by_key_id_[key_id].name, "' and '", name,
                                                 "' have the same key (", key_id, ")"));
  }
  for (const auto& [id, investigator] : by_key_id_) {
    if (investigator.name == name) {
      return absl::AlreadyExistsError(absl::StrCat("two keys for investigator '", name, "'"));
    }
  }
  by_key_id_.emplace(std::move(key_id), Investigator{std::move(name), key});
  return absl::OkStatus();
}

const Investigator* Keyring::FindByKeyId(std::string_view key_id) const {
  auto it = by_key_id_.find(key_id);
  return it == by_key_id_.end() ? nullptr : &it->second;
}

absl::StatusOr<Keyring> Keyring::FromConfig(const conf::Config& config) {
  Keyring keyring;
  for (const conf::Investigator& i : config.investigators) {
    MIG_ASSIGN_OR_RETURN(crypto::Ed25519PublicKey key, crypto::Ed25519PublicKey::Parse(i.public_key));
    MIG_RETURN_IF_ERROR(keyring.Add(i.name, key));
  }
  return keyring;
}

const AclRule* Acl::For(std::string_view module) const {
  auto it = rules_.find(module);
  if (it != rules_.end()) return &it->second;
  it = rules_.find("default");
  return it == rules_.end() ? nullptr : &it->second;
}

Acl Acl::FromConfig(const conf::Config& config) {
  Acl acl;
  for (const conf::AclRule& rule : config.acls) {
    AclRule r;
    r.minimum_weight = rule.minimum_weight;
    for (const auto& [name, weight] : rule.investigator_weights) r.weights[name] = weight;
    acl.Set(rule.module, std::move(r));
  }
  return acl;
}

AuthorizationPolicy AuthorizationPolicy::FromConfig(const conf::Config& config) {
  AuthorizationPolicy policy;
  policy.clock_skew = config.agent.clock_skew;
  policy.max_validity = config.agent.max_action_validity;
  return policy;
}

}  // namespace mig::authorization
