// Text rendering of pkg module results, as MIG's client prints them:
//
//   pkgmatch name=openssl version=3.0.11-1~deb12u2 type=dpkg arch=amd64
//   Statistics: runtime 3.2ms
//
// A dpkg package in another state than installed gets " status=config-files" (or its state) appended.
#ifndef MIG_MODULES_PKG_RENDER_H_
#define MIG_MODULES_PKG_RENDER_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "modules/module.h"

namespace mig::modules::pkg {

absl::StatusOr<std::string> RenderResultText(std::string_view result_json, const RenderOptions& options);

}  // namespace mig::modules::pkg

#endif  // MIG_MODULES_PKG_RENDER_H_
