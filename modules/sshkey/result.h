// The sshkey module's result JSON, MIG's shape with a few added fields (keytype, bits, comment, line):
//
//   {"foundanything":true,"success":true,
//    "elements":{"keys":[{"fingerprint_md5":"MD5:0c:6c:...","fingerprint_sha256":"SHA256:k2hv...",
//                         "path":"/root/.ssh/id_ed25519","encrypted":false,"type":"private",
//                         "keytype":"ED25519","bits":256,"comment":"root@vm","line":0}]},
//    "statistics":{"filescount":12,"execruntime":"1.2ms"},"errors":[]}
#ifndef MIG_MODULES_SSHKEY_RESULT_H_
#define MIG_MODULES_SSHKEY_RESULT_H_

#include <string>

#include "absl/time/time.h"
#include "modules/sshkey/scan.h"

namespace mig::modules::sshkey {

std::string ResultJson(const ScanOutcome& outcome, absl::Duration run_time);

}  // namespace mig::modules::sshkey

#endif  // MIG_MODULES_SSHKEY_RESULT_H_
