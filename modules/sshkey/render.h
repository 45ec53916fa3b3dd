// Text rendering of sshkey module results, as MIG's client prints them, with the key type and size added:
//
//   /root/.ssh/id_ed25519 [private] encrypted=false md5fp=MD5:0c:6c:... sha256fp=SHA256:k2hv... keytype=ED25519
//   bits=256 /home/a/.ssh/authorized_keys [authorizedkeys] md5fp=MD5:... sha256fp=SHA256:... keytype=RSA bits=3072
//   Statistics: 12 files checked, ran in 1.2ms.
#ifndef MIG_MODULES_SSHKEY_RENDER_H_
#define MIG_MODULES_SSHKEY_RENDER_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "modules/module.h"

namespace mig::modules::sshkey {

absl::StatusOr<std::string> RenderResultText(std::string_view result_json, const RenderOptions& options);

}  // namespace mig::modules::sshkey

#endif  // MIG_MODULES_SSHKEY_RENDER_H_
