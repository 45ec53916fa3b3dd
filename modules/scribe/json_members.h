// Optional members of a JSON object, as scribe documents and results have them: absent and null read as "",
// false or nullopt. The member's path is built only for an error message: a policy has tens of thousands of
// members, and allocating their paths would cost more than reading them.
//
//   MIG_ASSIGN_OR_RETURN(std::string name, OptionalString(test, "name", "tests[3]"));
#ifndef MIG_MODULES_SCRIBE_JSON_MEMBERS_H_
#define MIG_MODULES_SCRIBE_JSON_MEMBERS_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "simdjson.h"

namespace mig::modules::scribe {

absl::StatusOr<std::string> OptionalString(simdjson::dom::object object, std::string_view key, std::string_view path);
absl::StatusOr<bool> OptionalBool(simdjson::dom::object object, std::string_view key, std::string_view path);
absl::StatusOr<std::optional<simdjson::dom::object>> OptionalObject(simdjson::dom::object object, std::string_view key,
                                                                    std::string_view path);

}  // namespace mig::modules::scribe

#endif  // MIG_MODULES_SCRIBE_JSON_MEMBERS_H_
