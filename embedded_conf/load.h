// The configuration this binary runs with: the one embedded at build time, optionally overridden by a file.
//
//   MIG_ASSIGN_OR_RETURN(conf::Config config, conf::LoadConfig(flags.config_path));
#ifndef MIG_EMBEDDED_CONF_LOAD_H_
#define MIG_EMBEDDED_CONF_LOAD_H_

#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "embedded_conf/config.h"

namespace mig::conf {

// The embedded configuration, overridden by the file at `override_path` if it is not empty.
absl::StatusOr<Config> LoadConfig(std::string_view override_path);

// Points the daemon's log at [logging] (base/log.h): level, and mode stderr, file or syslog; `program` names
// the lines syslog gets ("mig-agent"). A file that cannot be opened is an error (the daemon does not start
// with a log it cannot write); a syslog daemon that cannot be reached leaves the log on stderr, with a warning
// saying so.
absl::Status ConfigureLogging(const LoggingConfig& logging, std::string_view program);

}  // namespace mig::conf

#endif  // MIG_EMBEDDED_CONF_LOAD_H_
