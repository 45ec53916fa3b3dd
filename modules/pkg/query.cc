#include "modules/pkg/query.h"

#include "base/go_format.h"
#include "base/json/writer.h"
#include "base/status_macros.h"
#include "modules/result.h"

namespace mig::modules::pkg {

absl::StatusOr<PackageQuery> PackageQuery::Create(const Parameters& parameters) {
  MIG_RETURN_IF_ERROR(ValidateParameters(parameters));
  PackageQuery query;
  for (const std::string& pattern : parameters.name_matches) {
    query.names_.push_back(std::make_unique<RE2>(pattern, RE2::Quiet));
  }
  if (!parameters.version_match.empty()) {
    std::string_view pattern = VersionPattern(parameters.version_match, &query.version_inverted_);
    query.version_ = std::make_unique<RE2>(pattern, RE2::Quiet);
  }
  return query;
}

bool PackageQuery::Matches(const InstalledPackage& package) const {
  bool name_matches = false;
  for (const auto& name : names_) {
    if (RE2::PartialMatch(package.name, *name)) {
      name_matches = true;
      break;
    }
  }
  if (!name_matches) return false;
  if (version_ == nullptr) return true;
  return RE2::PartialMatch(package.version, *version_) != version_inverted_;
}

std::vector<InstalledPackage> PackageQuery::Filter(const std::vector<InstalledPackage>& packages) const {
  std::vector<InstalledPackage> found;
  for (const InstalledPackage& package : packages) {
    if (Matches(package)) found.push_back(package);
  }
  return found;
}

std::string ResultJson(const std::vector<InstalledPackage>& found, const std::vector<std::string>& errors, bool success,
                       absl::Duration run_time) {
  json::JsonWriter elements;
  elements.BeginObject();
  elements.Key("packages");
  elements.BeginArray();
  for (const InstalledPackage& p : found) {
    elements.BeginObject();
    elements.Field("name", p.name);
    elements.Field("version", p.version);
    elements.Field("type", p.type);
    elements.Field("arch", p.arch);
    elements.Field("status", p.status);
    elements.EndObject();
  }
  elements.EndArray();
  elements.EndObject();

  json::JsonWriter statistics;
  statistics.BeginObject();
  statistics.Field("execruntime", GoDurationString(run_time));
  statistics.EndObject();

  ResultEnvelope result;
  result.found_anything = !found.empty();
  result.success = success;
  result.elements_json = std::move(elements).Take();
  result.statistics_json = std::move(statistics).Take();
  result.errors = errors;
  return result.ToJson();
}

}  // namespace mig::modules::pkg
