#include "modules/memory/render.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/json/reader.h"
#include "base/status_macros.h"
#include "modules/result.h"

namespace mig::modules::memory {
namespace {

double Number(simdjson::simdjson_result<simdjson::dom::element> e, double fallback = 0) {
  double value = 0;
  return e.get(value) == simdjson::SUCCESS ? value : fallback;
}

std::string Text(simdjson::simdjson_result<simdjson::dom::element> e) {
  std::string_view value;
  return e.get(value) == simdjson::SUCCESS ? std::string(value) : std::string();
}

std::string HumanBytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  return unit == 0 ? absl::StrFormat("%.0f B", bytes) : absl::StrFormat("%.1f %s", bytes, kUnits[unit]);
}

// " on checks name='^/usr/sbin/sshd$' content='ssh-rsa'" for results of searches without matchall.
absl::StatusOr<std::string> CheckList(simdjson::dom::element search) {
  std::string out = " on checks";
  static constexpr std::pair<const char*, const char*> kLists[] = {
      {"names", "name"}, {"libraries", "library"}, {"contents", "content"}, {"bytes", "byte"}};
  for (const auto& [list, label] : kLists) {
    simdjson::dom::element values;
    if (search[list].get(values) != simdjson::SUCCESS) continue;
    MIG_ASSIGN_OR_RETURN(std::vector<std::string> strings, json::AsStringArray(values, list));
    for (const std::string& v : strings) absl::StrAppend(&out, " ", label, "='", v, "'");
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> RenderResultText(std::string_view result_json, const RenderOptions& options) {
  MIG_ASSIGN_OR_RETURN(ParsedResult result, ParseResult(result_json));
  std::string out;
  if (!result.success) absl::StrAppend(&out, "module failed\n");
  std::vector<std::pair<std::string, simdjson::dom::element>> searches;
  if (result.elements.is_object()) {
    MIG_ASSIGN_OR_RETURN(simdjson::dom::object elements, json::AsObject(result.elements, "elements"));
    for (simdjson::dom::key_value_pair search : elements) searches.emplace_back(search.key, search.value);
  }
  std::sort(searches.begin(), searches.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [label, entries_element] : searches) {
    MIG_ASSIGN_OR_RETURN(simdjson::dom::array entries, json::AsArray(entries_element, "elements." + label));
    for (simdjson::dom::element entry : entries) {
      std::string name = Text(entry["process"]["name"]);
      std::string line;
      if (name.empty()) {
        if (options.show == Show::kFound) continue;
        line = absl::StrCat("0 match found in search '", label, "'");
      } else {
        if (options.show == Show::kNotFound) continue;
        line = absl::StrFormat("%s [pid:%.0f] in search '%s'", name, Number(entry["process"]["pid"]), label);
      }
      simdjson::dom::element search;
      bool match_all = false;
      if (entry["search"].get(search) == simdjson::SUCCESS && search.is_object()) {
        if (search["options"]["matchall"].get(match_all) != simdjson::SUCCESS) match_all = false;
        if (!match_all) {
          MIG_ASSIGN_OR_RETURN(std::string checks, CheckList(search));
          absl::StrAppend(&line, checks);
        }
      }
      absl::StrAppend(&out, line, "\n");
    }
  }
  simdjson::dom::element stats = result.statistics;
  std::vector<std::string> failures;
  simdjson::dom::element failures_element;
  if (stats.is_object() && stats["failures"].get(failures_element) == simdjson::SUCCESS) {
    MIG_ASSIGN_OR_RETURN(failures, json::AsStringArray(failures_element, "statistics.failures"));
  }
  double failure_count = stats.is_object() ? Number(stats["failurecount"], static_cast<double>(failures.size()))
                                           : static_cast<double>(failures.size());
  if (options.show == Show::kAll) {
    for (const std::string& failure : failures) absl::StrAppend(&out, "Failure: ", failure, "\n");
  }
  AppendErrors(result, options.show == Show::kAll, &out);
  if (stats.is_object()) {
    absl::StrAppend(&out, absl::StrFormat("Statistics: %.0f processes checked, %.0f matched, %.0f failures, %s read, "
                                          "ran in %s.\n",
                                          Number(stats["processcount"]), Number(stats["totalhits"]), failure_count,
                                          HumanBytes(Number(stats["memoryread"])), Text(stats["exectime"])));
  }
  return out;
}

}  // namespace mig::modules::memory
