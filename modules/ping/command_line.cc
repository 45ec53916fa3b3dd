#include "modules/ping/command_line.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace mig::modules::ping {

void PingCommandLine::AddFlags(CLI::App& command) {
  command.option_defaults()->group("Ping");
  // Short and one-letter long names: the long one lets Go's "-d=host" form through the investigator's
  // flag normalizer, the short one keeps -t and -p the module's (as in MIG) rather than --target's.
  command.add_option("-d,--d", destination_, "<ip/fqdn>  destination: an IPv4 or IPv6 address or a host name")
      ->type_name("");
  command.add_option("--dp", port_, "<port>  destination port, for tcp and udp")->type_name("");
  command.add_option("-p,--p", protocol_, "<protocol>  icmp, tcp or udp")->type_name("")->capture_default_str();
  command.add_option("-c,--c", count_, "<count>  number of pings")->type_name("")->capture_default_str();
  command.add_option("-t,--t", timeout_seconds_, "<seconds>  how long to wait for each answer")
      ->type_name("")
      ->capture_default_str();
}

absl::StatusOr<Parameters> PingCommandLine::ToParameters() const {
  Parameters parameters;
  if (destination_.empty()) return absl::InvalidArgumentError("-d: missing; give the destination to ping");
  parameters.destination = destination_;
  MIG_ASSIGN_OR_RETURN(parameters.protocol, ParseProtocol(protocol_));
  if (parameters.protocol == Protocol::kIcmp) {
    if (port_ != -1) return absl::InvalidArgumentError("-dp does not apply to an icmp ping: add -p tcp or -p udp");
  } else {
    if (port_ < 1 || port_ > 65535) {
      return absl::InvalidArgumentError(
          port_ == -1 ? absl::StrCat("-dp: missing; a ", protocol_, " ping needs a destination port")
                      : absl::StrCat("-dp ", port_, " is not a port (1 to 65535)"));
    }
    parameters.port = static_cast<uint16_t>(port_);
  }
  if (count_ < 1 || count_ > static_cast<int64_t>(kMaxCount)) {
    return absl::InvalidArgumentError(absl::StrCat("-c ", count_, " is out of range: 1 to ", kMaxCount));
  }
  parameters.count = static_cast<uint64_t>(count_);
  if (!(timeout_seconds_ > 0) || timeout_seconds_ > kMaxTimeoutSeconds) {
    return absl::InvalidArgumentError(absl::StrCat(
        "-t ", timeout_seconds_, " is out of range: more than 0 and at most ", kMaxTimeoutSeconds, " seconds"));
  }
  parameters.timeout_seconds = timeout_seconds_;
  MIG_RETURN_IF_ERROR(ValidateParameters(parameters));
  return parameters;
}

absl::StatusOr<std::string> PingCommandLine::ParametersJson(std::string_view) const {
  MIG_ASSIGN_OR_RETURN(Parameters parameters, ToParameters());
  return ParametersToJson(parameters);
}

}  // namespace mig::modules::ping
