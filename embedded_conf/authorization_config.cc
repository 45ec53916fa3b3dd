#include "embedded_conf/authorization_config.h"

#include "base/status_macros.h"
#include "crypto/ed25519.h"

namespace mig::conf {

absl::StatusOr<authorization::Keyring> KeyringFromConfig(const Config& config) {
  authorization::Keyring keyring;
  for (const Investigator& i : config.investigators) {
    MIG_ASSIGN_OR_RETURN(crypto::Ed25519PublicKey key, crypto::Ed25519PublicKey::Parse(i.public_key));
    MIG_RETURN_IF_ERROR(keyring.Add(i.name, key));
  }
  return keyring;
}

authorization::Acl AclFromConfig(const Config& config) {
  authorization::Acl acl;
  for (const AclRule& rule : config.acls) {
    authorization::AclRule r;
    r.minimum_weight = rule.minimum_weight;
    for (const auto& [name, weight] : rule.investigator_weights) r.weights[name] = weight;
    acl.Set(rule.module, std::move(r));
  }
  return acl;
}

authorization::AuthorizationPolicy AuthorizationPolicyFromConfig(const Config& config) {
  return {.clock_skew = config.agent.clock_skew, .max_validity = config.agent.max_action_validity};
}

}  // namespace mig::conf
