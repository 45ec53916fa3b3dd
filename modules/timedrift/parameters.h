// The timedrift module's parameters, in MIG's JSON shape plus two optional fields of ours:
//
//   {"drift": "5s"}                                           MIG: compare local time with NTP servers
//   {"drift": "5s", "servers": ["ntp1.example.net", "127.0.0.1:1123"], "timeout": "2s"}
//   {}                                                        MIG: only report the local time
//
//   MIG_ASSIGN_OR_RETURN(Parameters params, ParseParameters(json));
#ifndef MIG_MODULES_TIMEDRIFT_PARAMETERS_H_
#define MIG_MODULES_TIMEDRIFT_PARAMETERS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace mig::modules::timedrift {

inline constexpr absl::Duration kDefaultServerTimeout = absl::Seconds(5);  // MIG's
inline constexpr absl::Duration kMaxServerTimeout = absl::Seconds(60);
inline constexpr size_t kMaxServers = 16;

struct Parameters {
  // The allowed difference between local and network time; none: only report the local time, as MIG.
  std::optional<absl::Duration> drift;
  // NTP servers, "host" or "host:port" ("[v6]:port"); empty: the host's NTP configuration, else MIG's pool.
  std::vector<std::string> servers;
  // How long to wait for each server's answer.
  absl::Duration timeout = kDefaultServerTimeout;
};

// Go's time.ParseDuration syntax ("5s", "1m30s", "250ms", "1.5h"), not negative.
absl::StatusOr<absl::Duration> ParseGoDuration(std::string_view text, std::string_view field);

// Parses and validates the parameters JSON; unknown fields and wrong types are errors naming the field.
absl::StatusOr<Parameters> ParseParameters(std::string_view json);

// Validates parameters built in code (from flags).
absl::Status ValidateParameters(const Parameters& parameters);

// The parameters as JSON ("servers" and "timeout" only when they differ from the defaults, so that a
// plain drift check reads as MIG's).
std::string ParametersToJson(const Parameters& parameters);

}  // namespace mig::modules::timedrift

#endif  // MIG_MODULES_TIMEDRIFT_PARAMETERS_H_
