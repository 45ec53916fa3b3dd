// Runs the pings the parameters describe and writes MIG's ping result:
//
//   {"foundanything":true,"success":true,"elements":{"latencies":[0.08,0.05,0.05],"protocol":"tcp",
//    "resolvedhost":"localhost:22 (127.0.0.1)","failures":[]},"statistics":null,"errors":[]}
//
// Latencies are milliseconds, with MIG's codes for pings that got no answer.
#ifndef MIG_MODULES_PING_PING_H_
#define MIG_MODULES_PING_PING_H_

#include <string>

#include "absl/time/time.h"
#include "modules/module.h"
#include "modules/ping/parameters.h"

namespace mig::modules::ping {

inline constexpr double kLatencyTimedOut = 9999999;
inline constexpr double kLatencyUnreachable = -1;  // refused, or host or network unreachable
inline constexpr double kLatencyFailed = 0;        // the ping could not be made; see failures

// MIG pauses this long between pings so as not to flood the destination.
inline constexpr absl::Duration kPauseBetweenPings = absl::Milliseconds(100);

std::string RunPing(const Parameters& parameters, const RunContext& context);

}  // namespace mig::modules::ping

#endif  // MIG_MODULES_PING_PING_H_
