#include "modules/timedrift/command_line.h"

#include "base/status_macros.h"

namespace mig::modules::timedrift {

void TimedriftCommandLine::AddFlags(CLI::App& command) {
  command.option_defaults()->group("Time drift");
  command
      .add_option("--drift", drift_,
                  "<duration>  allowed drift from network time, e.g. 5s; without it only the local time is "
                  "reported")
      ->type_name("");
  command
      .add_option("--server", servers_,
                  "<host[:port]>  NTP server to ask; repeatable (default: the host's ntpd, chrony or "
                  "timesyncd servers, else MIG's pool)")
      ->allow_extra_args(false)
      ->type_name("");
  command.add_option("--servertimeout", server_timeout_, "<duration>  how long to wait for each server (default 5s)")
      ->type_name("");
}

absl::StatusOr<Parameters> TimedriftCommandLine::ToParameters() const {
  Parameters parameters;
  if (!drift_.empty()) {
    MIG_ASSIGN_OR_RETURN(parameters.drift, ParseGoDuration(drift_, "-drift"));
  }
  if (!server_timeout_.empty()) {
    MIG_ASSIGN_OR_RETURN(parameters.timeout, ParseGoDuration(server_timeout_, "-servertimeout"));
  }
  parameters.servers = servers_;
  if (!parameters.drift.has_value() && (!servers_.empty() || !server_timeout_.empty())) {
    return absl::InvalidArgumentError("-server and -servertimeout need -drift: without it no server is asked");
  }
  MIG_RETURN_IF_ERROR(ValidateParameters(parameters));
  return parameters;
}

absl::StatusOr<std::string> TimedriftCommandLine::ParametersJson(std::string_view) const {
  MIG_ASSIGN_OR_RETURN(Parameters parameters, ToParameters());
  return ParametersToJson(parameters);
}

}  // namespace mig::modules::timedrift
