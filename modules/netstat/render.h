// Text rendering of netstat module results, as MIG's client prints them (with the protocol and, for
// listening ports, the local address added):
//
//   found local mac 02:fc:00:00:00:01 for netstat localmac:'^02:fc'
//   found neighbor mac 02:fc:00:00:00:05 192.0.2.1 for netstat neighbormac:'^02:fc'
//   found connected tuple 192.0.2.1:443 with local tuple 192.0.2.2:51234 for netstat connectedip:'192.0.2.1'
//   protocol:tcp found listening port 22 for netstat listeningport:'22' localaddr:0.0.0.0 protocol:tcp
//   namespace:[net:[4026532281]] did not find anything for netstat localip:'10.0.0.0/8' Statistics: total hits 4
//   examined 57 items exectime 1.2ms
#ifndef MIG_MODULES_NETSTAT_RENDER_H_
#define MIG_MODULES_NETSTAT_RENDER_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "modules/module.h"

namespace mig::modules::netstat {

absl::StatusOr<std::string> RenderResultText(std::string_view result_json, const RenderOptions& options);

}  // namespace mig::modules::netstat

#endif  // MIG_MODULES_NETSTAT_RENDER_H_
