#include "modules/ping/render.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/json/reader.h"
#include "base/status_macros.h"
#include "modules/ping/ping.h"
#include "modules/result.h"

namespace mig::modules::ping {
namespace {

std::string PingLine(size_t index, double latency, std::string_view protocol) {
  size_t n = index + 1;
  if (latency == kLatencyUnreachable) return absl::StrCat("ping #", n, " failed, target was unreachable");
  if (latency == kLatencyFailed) return absl::StrCat("ping #", n, " failed, reason unknown");
  if (latency == kLatencyTimedOut) {
    return protocol == "udp" ? absl::StrCat("ping #", n, " may have succeeded (no udp response)")
                             : absl::StrCat("ping #", n, " failed, connection timed out");
  }
  // MIG prints whole milliseconds, which reads 0ms for every ping on a LAN.
  return absl::StrFormat("ping #%d succeeded in %.3fms", n, latency);
}

}  // namespace

absl::StatusOr<std::string> RenderResultText(std::string_view result_json, const RenderOptions& options) {
  MIG_ASSIGN_OR_RETURN(ParsedResult result, ParseResult(result_json));
  std::string out;
  if (!result.success) absl::StrAppend(&out, "module failed\n");
  if (result.elements.is_object()) {
    MIG_ASSIGN_OR_RETURN(simdjson::dom::object elements, json::AsObject(result.elements, "elements"));
    std::string protocol, host;
    std::vector<double> latencies;
    std::vector<std::string> failures;
    for (simdjson::dom::key_value_pair field : elements) {
      std::string path = json::ChildPath("elements", field.key);
      if (field.key == "protocol") {
        MIG_ASSIGN_OR_RETURN(protocol, json::AsString(field.value, path));
      } else if (field.key == "resolvedhost") {
        MIG_ASSIGN_OR_RETURN(host, json::AsString(field.value, path));
      } else if (field.key == "failures") {
        MIG_ASSIGN_OR_RETURN(failures, json::AsStringArray(field.value, path));
      } else if (field.key == "latencies" && !field.value.is_null()) {
        MIG_ASSIGN_OR_RETURN(simdjson::dom::array values, json::AsArray(field.value, path));
        for (simdjson::dom::element value : values) {
          MIG_ASSIGN_OR_RETURN(double latency, json::AsNumber(value, path));
          latencies.push_back(latency);
        }
      }
    }
    // A destination that could not be reached is the answer to the question, not a miss to hide: it is shown
    // whatever -show asks.
    bool shown = !result.found_anything || options.show != Show::kNotFound;
    if (shown) {
      absl::StrAppend(
          &out, protocol, " ping of ", host,
          result.found_anything ? " succeeded. Target is reachable.\n" : " failed. Target is not reachable.\n");
      for (size_t i = 0; i < latencies.size(); ++i) absl::StrAppend(&out, PingLine(i, latencies[i], protocol), "\n");
      for (const std::string& failure : failures) absl::StrAppend(&out, failure, "\n");
    }
  }
  AppendErrors(result, options.show == Show::kAll, &out);
  return out;
}

}  // namespace mig::modules::ping
