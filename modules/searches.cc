#include "modules/searches.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/json/reader.h"
#include "base/status_macros.h"

namespace mig::modules {

absl::Status ForEachSearch(std::string_view json_text, std::string_view what,
                           std::initializer_list<std::string_view> allowed_fields, const SearchParser& parse) {
  MIG_ASSIGN_OR_RETURN(auto doc, json::JsonDocument::Parse(json_text, what));
  MIG_ASSIGN_OR_RETURN(simdjson::dom::object root, json::AsObject(doc->root(), ""));
  MIG_RETURN_IF_ERROR(json::CheckKeys(root, "", {"searches"}));
  simdjson::dom::element searches_element;
  if (root["searches"].get(searches_element) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("no search: parameters need at least one search in \"searches\"");
  }
  MIG_ASSIGN_OR_RETURN(simdjson::dom::object searches, json::AsObject(searches_element, "searches"));
  absl::flat_hash_set<std::string> labels;
  for (simdjson::dom::key_value_pair entry : searches) {
    std::string label(entry.key);
    if (!labels.insert(label).second) {
      return absl::InvalidArgumentError(absl::StrCat("searches: label '", label, "' appears more than once"));
    }
    std::string path = json::ChildPath("searches", label);
    MIG_ASSIGN_OR_RETURN(simdjson::dom::object object, json::AsObject(entry.value, path));
    MIG_RETURN_IF_ERROR(json::CheckKeys(object, path, allowed_fields));
    MIG_RETURN_IF_ERROR(parse(std::move(label), path, object));
  }
  return absl::OkStatus();
}

}  // namespace mig::modules
