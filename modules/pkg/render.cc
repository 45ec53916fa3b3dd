#include "modules/pkg/render.h"

#include "absl/strings/str_cat.h"
#include "base/json/reader.h"
#include "base/status_macros.h"
#include "modules/result.h"

namespace mig::modules::pkg {
namespace {

// A field of a package element; absent fields print empty, as Go prints a zero string.
absl::StatusOr<std::string> Field(simdjson::dom::object package, std::string_view key, std::string_view path) {
  simdjson::dom::element value;
  if (package[key].get(value) != simdjson::SUCCESS) return std::string();
  return json::AsString(value, json::ChildPath(path, key));
}

}  // namespace

absl::StatusOr<std::string> RenderResultText(std::string_view result_json, const RenderOptions& options) {
  MIG_ASSIGN_OR_RETURN(ParsedResult result, ParseResult(result_json));
  std::string out;
  if (!result.success) absl::StrAppend(&out, "module failed\n");
  if (result.elements.is_object() && options.show != Show::kNotFound) {
    MIG_ASSIGN_OR_RETURN(simdjson::dom::object elements, json::AsObject(result.elements, "elements"));
    simdjson::dom::element packages_element;
    if (elements["packages"].get(packages_element) == simdjson::SUCCESS && !packages_element.is_null()) {
      MIG_ASSIGN_OR_RETURN(simdjson::dom::array packages, json::AsArray(packages_element, "elements.packages"));
      size_t index = 0;
      for (simdjson::dom::element element : packages) {
        std::string path = json::IndexPath("elements.packages", index++);
        MIG_ASSIGN_OR_RETURN(simdjson::dom::object package, json::AsObject(element, path));
        MIG_ASSIGN_OR_RETURN(std::string name, Field(package, "name", path));
        MIG_ASSIGN_OR_RETURN(std::string version, Field(package, "version", path));
        MIG_ASSIGN_OR_RETURN(std::string type, Field(package, "type", path));
        MIG_ASSIGN_OR_RETURN(std::string arch, Field(package, "arch", path));
        MIG_ASSIGN_OR_RETURN(std::string status, Field(package, "status", path));
        absl::StrAppend(&out, "pkgmatch name=", name, " version=", version, " type=", type, " arch=", arch);
        if (!status.empty() && status != "installed") absl::StrAppend(&out, " status=", status);
        absl::StrAppend(&out, "\n");
      }
    }
  }
  AppendErrors(result, options.show == Show::kAll, &out);
  simdjson::dom::element statistics = result.statistics;
  std::string_view runtime;
  if (statistics.is_object() && statistics["execruntime"].get(runtime) == simdjson::SUCCESS) {
    absl::StrAppend(&out, "Statistics: runtime ", runtime, "\n");
  }
  return out;
}

}  // namespace mig::modules::pkg
