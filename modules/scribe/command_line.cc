#include "modules/scribe/command_line.h"

#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "base/json/reader.h"
#include "base/status_macros.h"
#include "modules/scribe/parameters.h"
#include "modules/scribe/policy.h"

namespace mig::modules::scribe {

void ScribeCommandLine::AddFlags(CLI::App& command) {
  command.option_defaults()->group("Policy");
  command.add_option("--path", path_, "<file> the scribe policy (JSON) to evaluate")->type_name("");
  command.add_flag("--onlytrue", only_true_, "return only the tests that are true");
  command.add_flag("--human", human_, "print scribe's extended text for each test");
  command.add_flag("--json", json_, "print each test's result as one JSON document");
}

absl::StatusOr<std::string> ScribeCommandLine::ParametersJson(std::string_view working_directory) const {
  if (path_.empty()) return absl::InvalidArgumentError("-path: the policy file is required");
  if (human_ && json_) return absl::InvalidArgumentError("-human and -json: choose one output mode");
  std::string path = path_[0] == '/' ? path_ : absl::StrCat(working_directory, "/", path_);
  absl::StatusOr<std::string> text = ReadFileBounded(path, kMaxPolicyBytes);
  if (!text.ok()) return absl::InvalidArgumentError(absl::StrCat("-path ", path_, ": ", text.status().message()));
  MIG_ASSIGN_OR_RETURN(auto document, json::JsonDocument::Parse(*text, path_, kMaxPolicyBytes));
  absl::StatusOr<Policy> policy = ParsePolicy(document->root());
  if (!policy.ok()) return absl::InvalidArgumentError(absl::StrCat(path_, ": ", policy.status().message()));
  return scribe::ParametersJson(simdjson::minify(document->root()), only_true_, human_, json_);
}

}  // namespace mig::modules::scribe
