#include "modules/netstat/command_line.h"

#include "base/status_macros.h"

namespace mig::modules::netstat {

void NetstatCommandLine::AddFlags(CLI::App& command) {
  auto repeatable = [&](const char* name, std::vector<std::string>* values, const char* help) {
    command.add_option(name, *values, help)->allow_extra_args(false)->type_name("");
  };
  command.option_defaults()->group("Checks (each repeatable)");
  repeatable(
      "--lm", &parameters_.local_mac,
      "<regex>    local MAC addresses (of this host's interfaces) matching the regex. ex: -lm '^8c:70:[0-9a-f]'");
  repeatable("--nm", &parameters_.neighbor_mac,
             "<regex>    neighbours' MAC addresses (ARP and NDP tables) matching the regex. ex: -nm '^8c:70:[0-9a-f]'");
  repeatable("--li", &parameters_.local_ip,
             "<ip|cidr>  this host's interface addresses equal to the IP or in the CIDR. ex: -li 10.0.0.0/8, "
             "-li 2001:db8::/32");
  repeatable("--ni", &parameters_.neighbor_ip,
             "<ip|cidr>  neighbours' addresses (ARP and NDP tables) equal to the IP or in the CIDR. ex: -ni 10.1.2.3");
  repeatable("--ci", &parameters_.connected_ip,
             "<ip|cidr>  TCP and UDP sockets connected to a remote address equal to the IP or in the CIDR. "
             "ex: -ci 80.70.60.0/24");
  repeatable("--lp", &parameters_.listening_port, "<port>     TCP and UDP sockets listening on the port. ex: -lp 443");
  command.option_defaults()->group("Options");
  command.add_flag("--namespaces", parameters_.namespaces,
                   "also look inside the host's other network namespaces (containers) for neighbours and sockets");
}

absl::StatusOr<Parameters> NetstatCommandLine::ToParameters() const {
  MIG_RETURN_IF_ERROR(ValidateParameters(parameters_));
  return parameters_;
}

absl::StatusOr<std::string> NetstatCommandLine::ParametersJson(std::string_view working_directory) const {
  MIG_ASSIGN_OR_RETURN(Parameters parameters, ToParameters());
  return ParametersToJson(parameters);
}

}  // namespace mig::modules::netstat
