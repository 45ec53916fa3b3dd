// /etc/os-release (os-release(5)): which distribution and release a host runs, for the default release of
// `mig scribe policy` and the distribution its apt lists belong to.
//
//   MIG_ASSIGN_OR_RETURN(OsRelease os, ReadOsRelease("/etc/os-release"));
//   os.id               // "debian"
//   os.version_codename // "bookworm"
#ifndef MIG_MODULES_SCRIBE_POLICY_SOURCES_OS_RELEASE_H_
#define MIG_MODULES_SCRIBE_POLICY_SOURCES_OS_RELEASE_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace mig::modules::scribe::policy_sources {

struct OsRelease {
  std::string id;                // ID
  std::string version_id;        // VERSION_ID
  std::string version_codename;  // VERSION_CODENAME
};

// KEY=value lines, values bare or in single or double quotes (with backslash escapes in double quotes);
// comments, blank lines and other keys are ignored.
OsRelease ParseOsRelease(std::string_view text);

// NotFound when the file does not exist.
absl::StatusOr<OsRelease> ReadOsRelease(const std::string& path);

}  // namespace mig::modules::scribe::policy_sources

#endif  // MIG_MODULES_SCRIBE_POLICY_SOURCES_OS_RELEASE_H_
