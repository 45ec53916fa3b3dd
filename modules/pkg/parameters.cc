#include "modules/pkg/parameters.h"

#include "absl/strings/str_cat.h"
#include "base/json/reader.h"
#include "base/json/writer.h"
#include "base/status_macros.h"
#include "re2/re2.h"

namespace mig::modules::pkg {
absl::Status CheckRegex(std::string_view what, std::string_view pattern) {
  if (pattern.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": empty regex (use '.' to match everything)"));
  }
  RE2 re(pattern, RE2::Quiet);
  if (!re.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": invalid regex '", pattern, "': ", re.error()));
  }
  return absl::OkStatus();
}

std::string_view VersionPattern(std::string_view version_match, bool* inverted) {
  *inverted = version_match.size() > 1 && version_match[0] == '!';
  return *inverted ? version_match.substr(1) : version_match;
}

absl::Status ValidateParameters(const Parameters& parameters) {
  if (parameters.name_matches.empty()) {
    return absl::InvalidArgumentError("pkgmatch.matches: must specify at least one package to match");
  }
  for (size_t i = 0; i < parameters.name_matches.size(); ++i) {
    MIG_RETURN_IF_ERROR(CheckRegex(json::IndexPath("pkgmatch.matches", i), parameters.name_matches[i]));
  }
  if (!parameters.version_match.empty()) {
    bool inverted = false;
    MIG_RETURN_IF_ERROR(CheckRegex("vermatch", VersionPattern(parameters.version_match, &inverted)));
  }
  return absl::OkStatus();
}

absl::StatusOr<Parameters> ParseParameters(std::string_view text) {
  MIG_ASSIGN_OR_RETURN(auto document, json::JsonDocument::Parse(text, "pkg module parameters"));
  MIG_ASSIGN_OR_RETURN(simdjson::dom::object root, json::AsObject(document->root(), ""));
  MIG_RETURN_IF_ERROR(json::CheckKeys(root, "", {"pkgmatch", "vermatch"}));
  Parameters parameters;
  for (simdjson::dom::key_value_pair field : root) {
    if (field.key == "pkgmatch") {
      // Go decodes null into the zero value; the validation below then asks for a name.
      if (field.value.is_null()) continue;
      MIG_ASSIGN_OR_RETURN(simdjson::dom::object pkgmatch, json::AsObject(field.value, "pkgmatch"));
      MIG_RETURN_IF_ERROR(json::CheckKeys(pkgmatch, "pkgmatch", {"matches"}));
      for (simdjson::dom::key_value_pair match : pkgmatch) {
        MIG_ASSIGN_OR_RETURN(parameters.name_matches, json::AsStringArray(match.value, "pkgmatch.matches"));
      }
    } else if (field.key == "vermatch") {
      MIG_ASSIGN_OR_RETURN(parameters.version_match, json::AsString(field.value, "vermatch"));
    }
  }
  MIG_RETURN_IF_ERROR(ValidateParameters(parameters));
  return parameters;
}

std::string ParametersToJson(const Parameters& parameters) {
  json::JsonWriter w;
  w.BeginObject();
  w.Key("pkgmatch");
  w.BeginObject();
  w.Key("matches");
  w.StringArray(parameters.name_matches);
  w.EndObject();
  w.Field("vermatch", parameters.version_match);
  w.EndObject();
  return std::move(w).Take();
}

}  // namespace mig::modules::pkg
