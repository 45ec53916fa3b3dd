// From the configuration to the authorization decision's inputs: the investigators' keyring, the ACLs and
// the validity policy, for the processes that authorize actions (the agent, `mig action verify`). Kept out
// of protocol/authorization so that the decision itself knows nothing of INI files or certificates.
//
//   MIG_ASSIGN_OR_RETURN(authorization::Keyring keys, conf::KeyringFromConfig(config));
//   authorization::Acl acl = conf::AclFromConfig(config);
//   authorization::AuthorizationPolicy policy = conf::AuthorizationPolicyFromConfig(config);
#ifndef MIG_EMBEDDED_CONF_AUTHORIZATION_CONFIG_H_
#define MIG_EMBEDDED_CONF_AUTHORIZATION_CONFIG_H_

#include "absl/status/statusor.h"
#include "embedded_conf/config.h"
#include "protocol/authorization/policy.h"

namespace mig::conf {

// Fails on a public key that does not parse, or two investigators with one key or one name.
absl::StatusOr<authorization::Keyring> KeyringFromConfig(const Config& config);
authorization::Acl AclFromConfig(const Config& config);
authorization::AuthorizationPolicy AuthorizationPolicyFromConfig(const Config& config);

}  // namespace mig::conf

#endif  // MIG_EMBEDDED_CONF_AUTHORIZATION_CONFIG_H_
