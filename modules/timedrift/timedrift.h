// Runs the timedrift module: the local time, and with a drift, the offset of the local clock from each NTP
// server, queried in parallel, and whether the host is within the drift. MIG's result shape:
//
//   {"foundanything":false,"success":true,
//    "elements":{"hascheckeddrift":true,"iswithindrift":true,"drifts":[],"localtime":"2026-11-29T09:00:00.5Z"},
//    "statistics":{"exectime":"12.5ms","serversource":"/etc/chrony/chrony.conf","ntpstats":[{"host":"ntp1",
//      "address":"192.0.2.1:123","reachable":true,"time":"...","latency":"1.2ms","drift":"-3.1ms",
//      "delay":"1.1ms","stratum":2,"withindrift":true,"error":""}]},"errors":[]}
//
// "drift" is local time minus the server's (MIG's sign), i.e. the NTP offset negated. foundanything is
// true when the host is out of the drift (or when no drift was asked for, as MIG).
#ifndef MIG_MODULES_TIMEDRIFT_TIMEDRIFT_H_
#define MIG_MODULES_TIMEDRIFT_TIMEDRIFT_H_

#include <string>

#include "absl/time/time.h"
#include "modules/module.h"
#include "modules/timedrift/parameters.h"

namespace mig::modules::timedrift {

// Time left for name resolution beyond the per-server timeout before a server is reported as not
// answering (resolution cannot be interrupted; a late one finishes in the background).
inline constexpr absl::Duration kResolutionGrace = absl::Seconds(2);

// `config_root` is where /etc is looked for when the parameters name no server ("/" on a host).
std::string RunTimedrift(const Parameters& parameters, const RunContext& context, const std::string& config_root = "/");

}  // namespace mig::modules::timedrift

#endif  // MIG_MODULES_TIMEDRIFT_TIMEDRIFT_H_
