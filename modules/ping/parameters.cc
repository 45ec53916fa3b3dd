#include "modules/ping/parameters.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "base/json/reader.h"
#include "base/json/writer.h"
#include "base/status_macros.h"

namespace mig::modules::ping {
namespace {

constexpr size_t kMaxDestinationLength = 253;  // the longest DNS name

absl::Status ValidateDestination(std::string_view destination) {
  if (destination.empty()) {
    return absl::InvalidArgumentError("destination: missing; give an IPv4 or IPv6 address or a host name");
  }
  if (destination.size() > kMaxDestinationLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("destination '", destination.substr(0, 40), "...' is longer than ", kMaxDestinationLength));
  }
  for (char c : destination) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= ' ' || u == 0x7f || c == '/' || c == '\\') {
      return absl::InvalidArgumentError(
          absl::StrCat("destination '", destination, "' is not an address or a host name"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view ProtocolName(Protocol protocol) {
  switch (protocol) {
    case Protocol::kIcmp:
      return "icmp";
    case Protocol::kTcp:
      return "tcp";
    case Protocol::kUdp:
      return "udp";
  }
  return "?";
}

absl::StatusOr<Protocol> ParseProtocol(std::string_view name) {
  if (name == "icmp") return Protocol::kIcmp;
  if (name == "tcp") return Protocol::kTcp;
  if (name == "udp") return Protocol::kUdp;
  return absl::InvalidArgumentError(
      absl::StrCat("protocol '", name, "' is not a supported ping protocol: use icmp, tcp or udp"));
}

absl::Status ValidateParameters(const Parameters& parameters) {
  MIG_RETURN_IF_ERROR(ValidateDestination(parameters.destination));
  if (parameters.protocol != Protocol::kIcmp && parameters.port == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(ProtocolName(parameters.protocol), " ping needs a destination port between 1 and 65535"));
  }
  if (parameters.count == 0 || parameters.count > kMaxCount) {
    return absl::InvalidArgumentError(absl::StrCat("count ", parameters.count, " is out of range: 1 to ", kMaxCount));
  }
  if (!(parameters.timeout_seconds > 0) || parameters.timeout_seconds > kMaxTimeoutSeconds) {
    return absl::InvalidArgumentError(absl::StrCat("timeout ", parameters.timeout_seconds,
                                                   " is out of range: more than 0 and at most ", kMaxTimeoutSeconds,
                                                   " seconds"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Parameters> ParseParameters(std::string_view json_text) {
  MIG_ASSIGN_OR_RETURN(auto doc, json::JsonDocument::Parse(json_text, "ping module parameters"));
  MIG_ASSIGN_OR_RETURN(simdjson::dom::object root, json::AsObject(doc->root(), ""));
  MIG_RETURN_IF_ERROR(json::CheckKeys(root, "", {"destination", "destinationport", "protocol", "count", "timeout"}));
  Parameters parameters;
  // MIG's client sends -1 as the port of an icmp ping (its flag's default): it means "no port".
  double port = 0;
  bool has_protocol = false;
  for (simdjson::dom::key_value_pair field : root) {
    std::string path(field.key);
    if (field.key == "destination") {
      MIG_ASSIGN_OR_RETURN(parameters.destination, json::AsString(field.value, path));
    } else if (field.key == "destinationport") {
      MIG_ASSIGN_OR_RETURN(port, json::AsNumber(field.value, path));
    } else if (field.key == "protocol") {
      MIG_ASSIGN_OR_RETURN(std::string name, json::AsString(field.value, path));
      MIG_ASSIGN_OR_RETURN(parameters.protocol, ParseProtocol(name));
      has_protocol = true;
    } else if (field.key == "count") {
      MIG_ASSIGN_OR_RETURN(parameters.count, json::AsCount(field.value, path, kMaxCount));
      if (parameters.count == 0) parameters.count = kDefaultCount;
    } else if (field.key == "timeout") {
      MIG_ASSIGN_OR_RETURN(parameters.timeout_seconds, json::AsNumber(field.value, path));
      if (parameters.timeout_seconds == 0) parameters.timeout_seconds = kDefaultTimeoutSeconds;
    }
  }
  if (!has_protocol) return absl::InvalidArgumentError("protocol: missing; use icmp, tcp or udp");
  if (parameters.protocol == Protocol::kIcmp) {
    if (port != 0 && port != -1) {
      return absl::InvalidArgumentError(
          absl::StrCat("destinationport ", port, " does not apply to an icmp ping (use tcp or udp for a port)"));
    }
  } else {
    if (port < 1 || port > 65535 || std::trunc(port) != port) {
      return absl::InvalidArgumentError(absl::StrCat(ProtocolName(parameters.protocol),
                                                     " ping needs a destinationport between 1 and 65535, got ", port));
    }
    parameters.port = static_cast<uint16_t>(port);
  }
  MIG_RETURN_IF_ERROR(ValidateParameters(parameters));
  return parameters;
}

std::string ParametersToJson(const Parameters& parameters) {
  json::JsonWriter w;
  w.BeginObject();
  w.Field("destination", parameters.destination);
  if (parameters.protocol != Protocol::kIcmp) w.Field("destinationport", static_cast<uint64_t>(parameters.port));
  w.Field("protocol", ProtocolName(parameters.protocol));
  w.Field("count", parameters.count);
  w.Key("timeout");
  w.Double(parameters.timeout_seconds);
  w.EndObject();
  return std::move(w).Take();
}

}  // namespace mig::modules::ping
