#include "modules/netstat/parameters.h"

#include <array>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/json/reader.h"
#include "base/json/writer.h"
#include "base/status_macros.h"
#include "modules/netstat/ip_address.h"
#include "re2/re2.h"

namespace mig::modules::netstat {
namespace {

// The lists in MIG's order, with their JSON names; `P` is Parameters or const Parameters.
template <typename P>
auto Lists(P& p) {
  using List = decltype(&p.local_mac);
  return std::array<std::pair<std::string_view, List>, 6>{{{"localmac", &p.local_mac},
                                                           {"localip", &p.local_ip},
                                                           {"neighbormac", &p.neighbor_mac},
                                                           {"neighborip", &p.neighbor_ip},
                                                           {"connectedip", &p.connected_ip},
                                                           {"listeningport", &p.listening_port}}};
}

absl::Status ValidateMacRegex(std::string_view field, std::string_view regex) {
  if (regex.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": empty MAC regex (use '.' to match every MAC)"));
  }
  RE2 re(regex, MacRegexOptions());
  if (!re.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": invalid MAC regex '", regex, "': ", re.error()));
  }
  return absl::OkStatus();
}

absl::Status ValidateIp(std::string_view field, std::string_view value) {
  absl::StatusOr<IpNetwork> network = ParseIpOrCidr(value);
  if (!network.ok()) return absl::InvalidArgumentError(absl::StrCat(field, ": ", network.status().message()));
  return absl::OkStatus();
}

}  // namespace

size_t Parameters::CheckCount() const {
  size_t count = 0;
  for (const auto& [name, list] : Lists(*this)) count += list->size();
  return count;
}

RE2::Options MacRegexOptions() {
  RE2::Options options;
  options.set_case_sensitive(false);
  options.set_log_errors(false);
  return options;
}

absl::StatusOr<int> ParsePort(std::string_view port) {
  int value = 0;
  bool digits_only = !port.empty() && port.size() <= 5;
  for (char c : port) digits_only = digits_only && c >= '0' && c <= '9';
  if (!digits_only || !absl::SimpleAtoi(port, &value) || value < 1 || value > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("invalid port '", port, "': expected a number from 1 to 65535"));
  }
  return value;
}

absl::Status ValidateParameters(const Parameters& p) {
  if (p.CheckCount() == 0) {
    return absl::InvalidArgumentError(
        "no check: give at least one of localmac, neighbormac, localip, neighborip, connectedip, listeningport");
  }
  for (const std::string& v : p.local_mac) MIG_RETURN_IF_ERROR(ValidateMacRegex("localmac", v));
  for (const std::string& v : p.neighbor_mac) MIG_RETURN_IF_ERROR(ValidateMacRegex("neighbormac", v));
  for (const std::string& v : p.local_ip) MIG_RETURN_IF_ERROR(ValidateIp("localip", v));
  for (const std::string& v : p.neighbor_ip) MIG_RETURN_IF_ERROR(ValidateIp("neighborip", v));
  for (const std::string& v : p.connected_ip) MIG_RETURN_IF_ERROR(ValidateIp("connectedip", v));
  for (const std::string& v : p.listening_port) {
    absl::StatusOr<int> port = ParsePort(v);
    if (!port.ok()) return absl::InvalidArgumentError(absl::StrCat("listeningport: ", port.status().message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<Parameters> ParseParameters(std::string_view json_text) {
  MIG_ASSIGN_OR_RETURN(auto doc, json::JsonDocument::Parse(json_text, "netstat module parameters"));
  MIG_ASSIGN_OR_RETURN(simdjson::dom::object root, json::AsObject(doc->root(), ""));
  MIG_RETURN_IF_ERROR(json::CheckKeys(
      root, "", {"localmac", "localip", "neighbormac", "neighborip", "connectedip", "listeningport", "namespaces"}));
  Parameters p;
  for (simdjson::dom::key_value_pair field : root) {
    std::string_view key = field.key;
    if (key == "namespaces") {
      MIG_ASSIGN_OR_RETURN(p.namespaces, json::AsBool(field.value, key));
      continue;
    }
    MIG_ASSIGN_OR_RETURN(std::vector<std::string> values, json::AsStringArray(field.value, key));
    for (const auto& [name, list] : Lists(p)) {
      if (key == name) *list = std::move(values);
    }
  }
  MIG_RETURN_IF_ERROR(ValidateParameters(p));
  return p;
}

std::string ParametersToJson(const Parameters& p) {
  json::JsonWriter w;
  w.BeginObject();
  for (const auto& [name, list] : Lists(p)) {
    if (list->empty()) continue;
    w.Key(name);
    w.StringArray(*list);
  }
  if (p.namespaces) w.Field("namespaces", true);
  w.EndObject();
  return std::move(w).Take();
}

}  // namespace mig::modules::netstat
