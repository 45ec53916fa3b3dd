// Text rendering of timedrift results, as MIG's client prints them:
//
//   local time is 2026-11-29T09:00:00.5Z
//   local time is out of sync from NTP servers
//   Local time is behind ntp host ntp1.example.net by 12.5s
//   stat: ntp1.example.net responded in 1.2ms with time 2026-11-29T09:00:13Z. local time drifts by -12.5s
//   stat: 0.pool.ntp.org was unreachable: cannot resolve '0.pool.ntp.org': Name does not resolve
#ifndef MIG_MODULES_TIMEDRIFT_RENDER_H_
#define MIG_MODULES_TIMEDRIFT_RENDER_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "modules/module.h"

namespace mig::modules::timedrift {

absl::StatusOr<std::string> RenderResultText(std::string_view result_json, const RenderOptions& options);

}  // namespace mig::modules::timedrift

#endif  // MIG_MODULES_TIMEDRIFT_RENDER_H_
