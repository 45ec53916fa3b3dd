// Text rendering of memory module results, as MIG's client prints them:
//
//   /usr/sbin/sshd [pid:812] in search 's1'
//   /usr/bin/bash [pid:1400] in search 's2' on checks content='ssh-rsa'
//   Statistics: 212 processes checked, 2 matched, 0 failures, 1.2 GiB read, ran in 3.1s.
#ifndef MIG_MODULES_MEMORY_RENDER_H_
#define MIG_MODULES_MEMORY_RENDER_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "modules/module.h"

namespace mig::modules::memory {

absl::StatusOr<std::string> RenderResultText(std::string_view result_json, const RenderOptions& options);

}  // namespace mig::modules::memory

#endif  // MIG_MODULES_MEMORY_RENDER_H_
