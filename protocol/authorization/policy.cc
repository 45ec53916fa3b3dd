#include "protocol/authorization/policy.h"

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

const AclRule* Acl::For(std::string_view module) const {
  auto it = rules_.find(module);
  if (it != rules_.end()) return &it->second;
  it = rules_.find("default");
  return it == rules_.end() ? nullptr : &it->second;
}

}  // namespace mig::authorization
