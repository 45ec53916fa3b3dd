// Who may run what: the investigators' public keys (a keyring, by key id) and MIG's ACLs — per module (or
// "default"), a minimum weight and the weight of each investigator. The process that runs the decision fills
// them, from its configuration (embedded_conf/authorization_config.h).
//
//   Keyring keys;
//   MIG_RETURN_IF_ERROR(keys.Add("Alice", alice_public_key));
//   Acl acl;
//   acl.Set("memory", {.minimum_weight = 2, .weights = {{"Alice", 1}, {"Bob", 1}}});
//   const AclRule* rule = acl.For("memory");   // the memory rule, else "default", else null
#ifndef MIG_PROTOCOL_AUTHORIZATION_POLICY_H_
#define MIG_PROTOCOL_AUTHORIZATION_POLICY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crypto/ed25519.h"
#include "protocol/validity.h"

namespace mig::authorization {

struct Investigator {
  std::string name;
  crypto::Ed25519PublicKey key;
};

class Keyring {
 public:
  // Fails if the key (or its key id) is already there, or the name is taken.
  absl::Status Add(std::string name, const crypto::Ed25519PublicKey& key);
  const Investigator* FindByKeyId(std::string_view key_id) const;
  size_t size() const { return by_key_id_.size(); }

 private:
  std::map<std::string, Investigator, std::less<>> by_key_id_;
};

struct AclRule {
  uint64_t minimum_weight = 1;
  std::map<std::string, uint64_t, std::less<>> weights;  // investigator name -> weight
};

class Acl {
 public:
  void Set(std::string module, AclRule rule) { rules_[std::move(module)] = std::move(rule); }
  // The module's own rule, else the "default" rule, else null (nothing may run).
  const AclRule* For(std::string_view module) const;

 private:
  std::map<std::string, AclRule, std::less<>> rules_;
};

struct AuthorizationPolicy {
  absl::Duration clock_skew = protocol::kDefaultClockSkew;
  absl::Duration max_validity = protocol::kDefaultMaxActionValidity;
};

}  // namespace mig::authorization

#endif  // MIG_PROTOCOL_AUTHORIZATION_POLICY_H_
