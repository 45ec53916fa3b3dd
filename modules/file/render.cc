#include "modules/file/render.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/display_text.h"
#include "base/json/reader.h"
#include "base/status_macros.h"
#include "modules/result.h"

namespace mig::modules::file {
namespace {

using json::AsObject;
using json::AsString;
using json::AsStringArray;

std::string Number(simdjson::simdjson_result<simdjson::dom::element> e) {
  double value = 0;
  if (e.get(value) != simdjson::SUCCESS) return "?";
  return absl::StrFormat("%.0f", value);
}

std::string Text(simdjson::dom::element object, const char* key) {
  std::string_view value;
  if (object[key].get(value) != simdjson::SUCCESS) return "";
  return std::string(value);
}

// " on checks name='^ls$' md5='...'" for results of searches without matchall, in MIG's order.
absl::StatusOr<std::string> CheckList(simdjson::dom::element search) {
  std::string out = " on checks";
  static constexpr std::pair<const char*, const char*> kLists[] = {
      {"names", "name"}, {"sizes", "size"}, {"modes", "mode"}, {"mtimes", "mtime"}, {"contents", "content"},
      {"md5", "md5"},    {"sha1", "sha1"},  {"sha2", "sha2"},  {"sha3", "sha3"}};
  for (const auto& [list, label] : kLists) {
    simdjson::dom::element values;
    if (search[list].get(values) != simdjson::SUCCESS) continue;
    MIG_ASSIGN_OR_RETURN(std::vector<std::string> strings, AsStringArray(values, list));
    for (const std::string& v : strings) absl::StrAppend(&out, " ", label, "='", v, "'");
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> RenderResultText(std::string_view result_json, const RenderOptions& options) {
  MIG_ASSIGN_OR_RETURN(ParsedResult result, ParseResult(result_json));
  std::string out;
  if (!result.success) {
    absl::StrAppend(&out, "module failed\n");
  }
  std::vector<std::pair<std::string, simdjson::dom::element>> searches;
  if (result.elements.is_object()) {
    MIG_ASSIGN_OR_RETURN(simdjson::dom::object elements, AsObject(result.elements, "elements"));
    for (simdjson::dom::key_value_pair search : elements) searches.emplace_back(search.key, search.value);
  }
  std::sort(searches.begin(), searches.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [label, entries_element] : searches) {
    MIG_ASSIGN_OR_RETURN(simdjson::dom::array entries, json::AsArray(entries_element, "elements." + label));
    for (simdjson::dom::element entry : entries) {
      std::string file = Text(entry, "file");
      // A name that is not UTF-8 has its exact bytes beside it: shown escaped, two such names never look alike.
      if (std::string raw, encoded = Text(entry, "filebytes");
          !encoded.empty() && absl::Base64Unescape(encoded, &raw)) {
        file = EscapeForDisplay(raw);
      }
      simdjson::dom::element search;
      simdjson::dom::element fileinfo;
      bool has_search = entry["search"].get(search) == simdjson::SUCCESS && search.is_object();
      if (entry["fileinfo"].get(fileinfo) != simdjson::SUCCESS) fileinfo = entry;
      bool match_all = false;
      if (has_search) {
        simdjson::dom::element options;
        if (search["options"].get(options) == simdjson::SUCCESS &&
            options["matchall"].get(match_all) != simdjson::SUCCESS) {
          match_all = false;
        }
      }
      std::string line;
      if (file.empty()) {
        if (options.show == Show::kFound) continue;
        line = absl::StrCat("0 match found in search '", label, "'");
      } else {
        if (options.show == Show::kNotFound) continue;
        line = absl::StrCat(file, " [lastmodified:", Text(fileinfo, "lastmodified"), ", mode:", Text(fileinfo, "mode"),
                            ", size:", Number(fileinfo["size"]));
        std::string sha256 = Text(fileinfo, "sha256");
        if (!sha256.empty()) absl::StrAppend(&line, ", sha256:", absl::AsciiStrToLower(sha256));
        absl::StrAppend(&line, "] in search '", label, "'");
      }
      if (!match_all && has_search) {
        MIG_ASSIGN_OR_RETURN(std::string checks, CheckList(search));
        absl::StrAppend(&line, checks);
      }
      absl::StrAppend(&out, line, "\n");
    }
  }
  AppendErrors(result, options.show == Show::kAll, &out);
  simdjson::dom::element stats = result.statistics;
  if (stats.is_object()) {
    absl::StrAppend(&out, "Statistics: ", Number(stats["filescount"]), " files checked, ", Number(stats["openfailed"]),
                    " failed to open, ", Number(stats["totalhits"]), " matched, ran in ", Text(stats, "exectime"),
                    ".\n");
  }
  return out;
}

}  // namespace mig::modules::file
