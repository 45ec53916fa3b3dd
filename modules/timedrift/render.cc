#include "modules/timedrift/render.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "base/json/reader.h"
#include "base/status_macros.h"
#include "modules/result.h"

namespace mig::modules::timedrift {
namespace {

// Reads an optional field of an object: absent is the default value.
template <typename T, typename Reader>
absl::Status Optional(simdjson::dom::object object, std::string_view path, const char* key, Reader read, T* out) {
  simdjson::dom::element value;
  if (object[key].get(value) != simdjson::SUCCESS) return absl::OkStatus();
  MIG_ASSIGN_OR_RETURN(*out, read(value, json::ChildPath(path, key)));
  return absl::OkStatus();
}

absl::Status RenderServers(simdjson::dom::element statistics, std::string* out) {
  MIG_ASSIGN_OR_RETURN(simdjson::dom::object stats, json::AsObject(statistics, "statistics"));
  std::string exectime, source;
  MIG_RETURN_IF_ERROR(Optional(stats, "statistics", "exectime", json::AsString, &exectime));
  MIG_RETURN_IF_ERROR(Optional(stats, "statistics", "serversource", json::AsString, &source));
  absl::StrAppend(out, "stat: execution time was ", exectime, "\n");
  if (!source.empty()) absl::StrAppend(out, "stat: servers from ", source, "\n");
  simdjson::dom::element servers_element;
  if (stats["ntpstats"].get(servers_element) != simdjson::SUCCESS || servers_element.is_null()) {
    return absl::OkStatus();
  }
  MIG_ASSIGN_OR_RETURN(simdjson::dom::array servers, json::AsArray(servers_element, "statistics.ntpstats"));
  size_t index = 0;
  for (simdjson::dom::element server_element : servers) {
    std::string path = json::IndexPath("statistics.ntpstats", index++);
    MIG_ASSIGN_OR_RETURN(simdjson::dom::object server, json::AsObject(server_element, path));
    std::string host, address, time, latency, drift, error;
    bool reachable = false;
    MIG_RETURN_IF_ERROR(Optional(server, path, "host", json::AsString, &host));
    MIG_RETURN_IF_ERROR(Optional(server, path, "address", json::AsString, &address));
    MIG_RETURN_IF_ERROR(Optional(server, path, "time", json::AsString, &time));
    MIG_RETURN_IF_ERROR(Optional(server, path, "latency", json::AsString, &latency));
    MIG_RETURN_IF_ERROR(Optional(server, path, "drift", json::AsString, &drift));
    MIG_RETURN_IF_ERROR(Optional(server, path, "error", json::AsString, &error));
    MIG_RETURN_IF_ERROR(Optional(server, path, "reachable", json::AsBool, &reachable));
    std::string where = address.empty() || address == host ? host : absl::StrCat(host, " (", address, ")");
    if (reachable) {
      absl::StrAppend(out, "stat: ", where, " responded in ", latency, " with time ", time, ". local time drifts by ",
                      drift, "\n");
    } else {
      absl::StrAppend(out, "stat: ", where, " was unreachable", error.empty() ? "" : ": ", error, "\n");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> RenderResultText(std::string_view result_json, const RenderOptions& options) {
  MIG_ASSIGN_OR_RETURN(ParsedResult result, ParseResult(result_json));
  std::string out;
  if (result.elements.is_object()) {
    MIG_ASSIGN_OR_RETURN(simdjson::dom::object elements, json::AsObject(result.elements, "elements"));
    std::string local_time;
    bool checked = false, within = false;
    std::vector<std::string> drifts;
    MIG_RETURN_IF_ERROR(Optional(elements, "elements", "localtime", json::AsString, &local_time));
    MIG_RETURN_IF_ERROR(Optional(elements, "elements", "hascheckeddrift", json::AsBool, &checked));
    MIG_RETURN_IF_ERROR(Optional(elements, "elements", "iswithindrift", json::AsBool, &within));
    MIG_RETURN_IF_ERROR(Optional(elements, "elements", "drifts", json::AsStringArray, &drifts));
    absl::StrAppend(&out, "local time is ", local_time, "\n");
    if (checked) {
      absl::StrAppend(&out, within ? "local time is within acceptable drift from NTP servers\n"
                                   : "local time is out of sync from NTP servers\n");
    }
    for (const std::string& drift : drifts) absl::StrAppend(&out, drift, "\n");
  }
  // MIG stops here when only found results are asked for; a failed run still says why.
  if (options.show == Show::kFound) {
    if (!result.success) absl::StrAppend(&out, "timedrift module has failed\n");
    AppendErrors(result, /*show_all=*/false, &out);
    if (!result.success) absl::StrAppend(&out, "(-show all lists each server)\n");
    return out;
  }
  AppendErrors(result, options.show == Show::kAll, &out);
  if (result.statistics.is_object()) MIG_RETURN_IF_ERROR(RenderServers(result.statistics, &out));
  absl::StrAppend(&out, result.success ? "timedrift module has succeeded\n" : "timedrift module has failed\n");
  return out;
}

}  // namespace mig::modules::timedrift
