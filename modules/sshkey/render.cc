#include "modules/sshkey/render.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/json/reader.h"
#include "base/status_macros.h"
#include "modules/result.h"

namespace mig::modules::sshkey {
namespace {

// Absent fields read as Go's zero values: results of MIG's own agents lack the fields mig added.
absl::StatusOr<std::string> Text(simdjson::dom::object key, std::string_view field, std::string_view path) {
  simdjson::dom::element value;
  if (key[field].get(value) != simdjson::SUCCESS) return std::string();
  return json::AsString(value, json::ChildPath(path, field));
}

}  // namespace

absl::StatusOr<std::string> RenderResultText(std::string_view result_json, const RenderOptions& options) {
  MIG_ASSIGN_OR_RETURN(ParsedResult result, ParseResult(result_json));
  std::string out;
  if (!result.success) absl::StrAppend(&out, "module failed\n");
  simdjson::dom::element keys_element;
  if (options.show != Show::kNotFound && result.elements.is_object() &&
      result.elements["keys"].get(keys_element) == simdjson::SUCCESS && !keys_element.is_null()) {
    MIG_ASSIGN_OR_RETURN(simdjson::dom::array keys, json::AsArray(keys_element, "elements.keys"));
    size_t index = 0;
    for (simdjson::dom::element element : keys) {
      std::string path = json::IndexPath("elements.keys", index++);
      MIG_ASSIGN_OR_RETURN(simdjson::dom::object key, json::AsObject(element, path));
      MIG_ASSIGN_OR_RETURN(std::string file, Text(key, "path", path));
      MIG_ASSIGN_OR_RETURN(std::string type, Text(key, "type", path));
      MIG_ASSIGN_OR_RETURN(std::string md5, Text(key, "fingerprint_md5", path));
      MIG_ASSIGN_OR_RETURN(std::string sha256, Text(key, "fingerprint_sha256", path));
      MIG_ASSIGN_OR_RETURN(std::string key_type, Text(key, "keytype", path));
      absl::StrAppend(&out, file, " [", type, "]");
      if (type == "private") {
        bool encrypted = false;
        if (key["encrypted"].get(encrypted) != simdjson::SUCCESS) encrypted = false;
        absl::StrAppend(&out, " encrypted=", encrypted ? "true" : "false");
      }
      absl::StrAppend(&out, " md5fp=", md5.empty() ? "unknown" : md5,
                      " sha256fp=", sha256.empty() ? "unknown" : sha256);
      if (!key_type.empty()) {
        double bits = 0;
        if (key["bits"].get(bits) != simdjson::SUCCESS) bits = 0;
        absl::StrAppend(&out, " keytype=", key_type, " bits=", absl::StrFormat("%.0f", bits));
      }
      absl::StrAppend(&out, "\n");
    }
  }
  AppendErrors(result, options.show == Show::kAll, &out);
  simdjson::dom::element statistics = result.statistics;
  double files = 0;
  std::string_view runtime;
  if (statistics.is_object() && statistics["filescount"].get(files) == simdjson::SUCCESS &&
      statistics["execruntime"].get(runtime) == simdjson::SUCCESS) {
    absl::StrAppend(&out, "Statistics: ", absl::StrFormat("%.0f", files), " files checked, ran in ", runtime, ".\n");
  }
  return out;
}

}  // namespace mig::modules::sshkey
