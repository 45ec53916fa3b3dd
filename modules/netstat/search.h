// Runs the netstat module's checks against this host's network state and writes MIG's result:
//
//   {"foundanything":true,"success":true,
//    "elements":{"listeningport":{"22":[{"localaddr":"0.0.0.0","localport":22,"namespace":"default",
//                                        "protocol":"tcp"}]}},
//    "statistics":{"examined":41,"exectime":"1.2ms","totalhits":1},"errors":[]}
//
// The tables each check needs are read once per run, whatever the number of values.
#ifndef MIG_MODULES_NETSTAT_SEARCH_H_
#define MIG_MODULES_NETSTAT_SEARCH_H_

#include <string>

#include "modules/module.h"
#include "modules/netstat/parameters.h"

namespace mig::modules::netstat {

// `proc` is where procfs is mounted ("/proc"; tests may point elsewhere).
std::string RunNetstat(const Parameters& parameters, const RunContext& context, const std::string& proc = "/proc");

}  // namespace mig::modules::netstat

#endif  // MIG_MODULES_NETSTAT_SEARCH_H_
