#include "modules/result.h"

#include "base/status_macros.h"
#include "json/writer.h"

namespace mig::modules {

std::string ResultEnvelope::ToJson() const {
  json::JsonWriter w;
  w.BeginObject();
  w.Field("foundanything", found_anything);
  w.Field("success", success);
  w.Key("elements");
  w.Raw(elements_json);
  w.Key("statistics");
  w.Raw(statistics_json);
  w.Key("errors");
  w.StringArray(errors);
  w.EndObject();
  return std::move(w).Take();
}

std::string FailedResult(std::string_view error) {
  ResultEnvelope result;
  result.errors.emplace_back(error);
  return result.ToJson();
}

absl::StatusOr<ParsedResult> ParseResult(std::string_view result_json) {
  ParsedResult result;
  MIG_ASSIGN_OR_RETURN(result.document, json::JsonDocument::Parse(result_json, "module result", 256 << 20));
  MIG_ASSIGN_OR_RETURN(simdjson::dom::object root, json::AsObject(result.document->root(), ""));
  MIG_RETURN_IF_ERROR(json::CheckKeys(root, "", {"foundanything", "success", "elements", "statistics", "errors"}));
  for (simdjson::dom::key_value_pair field : root) {
    if (field.key == "foundanything") {
      MIG_ASSIGN_OR_RETURN(result.found_anything, json::AsBool(field.value, "foundanything"));
    } else if (field.key == "success") {
      MIG_ASSIGN_OR_RETURN(result.success, json::AsBool(field.value, "success"));
    } else if (field.key == "elements") {
      result.elements = field.value;
    } else if (field.key == "statistics") {
      result.statistics = field.value;
    } else if (field.key == "errors") {
      MIG_ASSIGN_OR_RETURN(result.errors, json::AsStringArray(field.value, "errors"));
    }
  }
  return result;
}

}  // namespace mig::modules
