// The ping module's parameters, in MIG's JSON shape:
//
//   {"destination": "www.example.net", "destinationport": 443, "protocol": "tcp", "count": 3, "timeout": 5}
//
//   MIG_ASSIGN_OR_RETURN(Parameters params, ParseParameters(json));   // validated, defaults applied
//   std::string json = ParametersToJson(params);
#ifndef MIG_MODULES_PING_PARAMETERS_H_
#define MIG_MODULES_PING_PARAMETERS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace mig::modules::ping {

enum class Protocol { kIcmp, kTcp, kUdp };

// MIG's defaults, applied when a field is missing or zero.
inline constexpr uint64_t kDefaultCount = 3;
inline constexpr double kDefaultTimeoutSeconds = 5;
inline constexpr uint64_t kMaxCount = 1000;
inline constexpr double kMaxTimeoutSeconds = 600;

struct Parameters {
  std::string destination;  // IPv4 or IPv6 address, or a host name
  uint16_t port = 0;        // tcp and udp only
  Protocol protocol = Protocol::kIcmp;
  uint64_t count = kDefaultCount;
  double timeout_seconds = kDefaultTimeoutSeconds;  // per ping

  absl::Duration timeout() const { return absl::Seconds(timeout_seconds); }
};

std::string_view ProtocolName(Protocol protocol);
absl::StatusOr<Protocol> ParseProtocol(std::string_view name);

// Parses and validates MIG's parameters JSON; unknown fields and wrong types are errors naming the field.
absl::StatusOr<Parameters> ParseParameters(std::string_view json);

// Validates parameters built in code (from flags).
absl::Status ValidateParameters(const Parameters& parameters);

// MIG's JSON for the parameters ("destinationport" only for tcp and udp).
std::string ParametersToJson(const Parameters& parameters);

}  // namespace mig::modules::ping

#endif  // MIG_MODULES_PING_PARAMETERS_H_
