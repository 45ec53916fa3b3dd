// Text rendering of file module results, as MIG's client prints them:
//
//   /usr/bin/ls [lastmodified:2023-04-18 14:52:00 +0000 UTC, mode:-rwxr-xr-x, size:138208] in search 's1'
//   Statistics: 138387 files checked, 0 failed to open, 1 matched, ran in 352.1ms.
#ifndef MIG_MODULES_FILE_RENDER_H_
#define MIG_MODULES_FILE_RENDER_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "modules/module.h"

namespace mig::modules::file {

absl::StatusOr<std::string> RenderResultText(std::string_view result_json, const RenderOptions& options);

}  // namespace mig::modules::file

#endif  // MIG_MODULES_FILE_RENDER_H_
