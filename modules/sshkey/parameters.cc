#include "modules/sshkey/parameters.h"

#include "absl/strings/str_cat.h"
#include "base/json/reader.h"
#include "base/json/writer.h"
#include "base/status_macros.h"

namespace mig::modules::sshkey {

std::vector<std::string> DefaultPaths() { return {"/root", "/home"}; }

absl::Status ValidateParameters(const Parameters& parameters) {
  for (size_t i = 0; i < parameters.paths.size(); ++i) {
    const std::string& path = parameters.paths[i];
    if (path.empty() || path[0] != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat(json::IndexPath("paths", i), ": '", path, "' is not an absolute path"));
    }
  }
  if (parameters.max_depth > kMaxMaxDepth) {
    return absl::InvalidArgumentError(
        absl::StrCat("maxdepth: ", parameters.max_depth, " is out of range 0-", kMaxMaxDepth));
  }
  return absl::OkStatus();
}

absl::StatusOr<Parameters> ParseParameters(std::string_view text) {
  MIG_ASSIGN_OR_RETURN(auto document, json::JsonDocument::Parse(text, "sshkey module parameters"));
  MIG_ASSIGN_OR_RETURN(simdjson::dom::object root, json::AsObject(document->root(), ""));
  MIG_RETURN_IF_ERROR(json::CheckKeys(root, "", {"paths", "maxdepth"}));
  Parameters parameters;
  for (simdjson::dom::key_value_pair field : root) {
    if (field.key == "paths") {
      MIG_ASSIGN_OR_RETURN(parameters.paths, json::AsStringArray(field.value, "paths"));
    } else if (field.key == "maxdepth") {
      MIG_ASSIGN_OR_RETURN(parameters.max_depth, json::AsCount(field.value, "maxdepth", kMaxMaxDepth));
    }
  }
  MIG_RETURN_IF_ERROR(ValidateParameters(parameters));
  return parameters;
}

std::string ParametersToJson(const Parameters& parameters) {
  json::JsonWriter w;
  w.BeginObject();
  w.Key("paths");
  w.StringArray(parameters.paths);
  w.Field("maxdepth", parameters.max_depth);
  w.EndObject();
  return std::move(w).Take();
}

}  // namespace mig::modules::sshkey
