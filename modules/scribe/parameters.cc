#include "modules/scribe/parameters.h"

#include "base/json/reader.h"
#include "base/json/writer.h"
#include "base/status_macros.h"

namespace mig::modules::scribe {

absl::StatusOr<Parameters> ParseParameters(std::string_view text) {
  MIG_ASSIGN_OR_RETURN(auto document, json::JsonDocument::Parse(text, "scribe module parameters", kMaxPolicyBytes));
  MIG_ASSIGN_OR_RETURN(simdjson::dom::object root, json::AsObject(document->root(), ""));
  MIG_RETURN_IF_ERROR(json::CheckKeys(root, "", {"scribedoc", "onlytrue", "humanoutput", "jsonoutput"}));
  Parameters parameters;
  simdjson::dom::element policy;
  if (root["scribedoc"].get(policy) != simdjson::SUCCESS || policy.is_null()) {
    return absl::InvalidArgumentError("scribedoc: no policy (a scribe document with objects and tests)");
  }
  MIG_ASSIGN_OR_RETURN(parameters.policy, ParsePolicy(policy, "scribedoc"));
  for (auto [key, flag] : {std::pair<std::string_view, bool*>{"onlytrue", &parameters.only_true},
                           {"humanoutput", &parameters.human_output},
                           {"jsonoutput", &parameters.json_output}}) {
    simdjson::dom::element value;
    if (root[key].get(value) != simdjson::SUCCESS || value.is_null()) continue;
    MIG_ASSIGN_OR_RETURN(*flag, json::AsBool(value, key));
  }
  if (parameters.human_output && parameters.json_output) {
    return absl::InvalidArgumentError("humanoutput and jsonoutput: choose one output mode");
  }
  return parameters;
}

std::string ParametersJson(std::string_view policy_json, bool only_true, bool human_output, bool json_output) {
  json::JsonWriter writer;
  writer.BeginObject();
  writer.Key("scribedoc");
  writer.Raw(policy_json);
  writer.Key("onlytrue");
  writer.Bool(only_true);
  writer.Key("humanoutput");
  writer.Bool(human_output);
  writer.Key("jsonoutput");
  writer.Bool(json_output);
  writer.EndObject();
  return std::move(writer).Take();
}

}  // namespace mig::modules::scribe
