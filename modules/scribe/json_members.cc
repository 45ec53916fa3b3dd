#include "modules/scribe/json_members.h"

#include "base/json/reader.h"
#include "base/status_macros.h"

namespace mig::modules::scribe {

absl::StatusOr<std::string> OptionalString(simdjson::dom::object object, std::string_view key, std::string_view path) {
  simdjson::dom::element value;
  if (object[key].get(value) != simdjson::SUCCESS || value.is_null()) return std::string();
  std::string_view text;
  if (value.get(text) == simdjson::SUCCESS) return std::string(text);
  return json::AsString(value, json::ChildPath(path, key));
}

absl::StatusOr<bool> OptionalBool(simdjson::dom::object object, std::string_view key, std::string_view path) {
  simdjson::dom::element value;
  if (object[key].get(value) != simdjson::SUCCESS || value.is_null()) return false;
  bool flag = false;
  if (value.get(flag) == simdjson::SUCCESS) return flag;
  return json::AsBool(value, json::ChildPath(path, key));
}

absl::StatusOr<std::optional<simdjson::dom::object>> OptionalObject(simdjson::dom::object object, std::string_view key,
                                                                    std::string_view path) {
  simdjson::dom::element value;
  if (object[key].get(value) != simdjson::SUCCESS || value.is_null()) return std::nullopt;
  simdjson::dom::object member;
  if (value.get(member) == simdjson::SUCCESS) return member;
  MIG_ASSIGN_OR_RETURN(member, json::AsObject(value, json::ChildPath(path, key)));
  return member;
}

}  // namespace mig::modules::scribe
