// Text rendering of ping results, as MIG's client prints them:
//
//   tcp ping of localhost:22 (127.0.0.1) succeeded. Target is reachable.
//   ping #1 succeeded in 0.081ms
//   ping #2 failed, target was unreachable
#ifndef MIG_MODULES_PING_RENDER_H_
#define MIG_MODULES_PING_RENDER_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "modules/module.h"

namespace mig::modules::ping {

absl::StatusOr<std::string> RenderResultText(std::string_view result_json, const RenderOptions& options);

}  // namespace mig::modules::ping

#endif  // MIG_MODULES_PING_RENDER_H_
