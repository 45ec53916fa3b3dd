// Files that grant trust — a configuration that names investigators, ACLs, release keys and the broker, and the
// CA, certificate and key it names — must not be changeable by anyone but root or the user mig runs as. The
// rule is OpenSSH's StrictModes: the file, and every directory above it, on the path as given and on the path
// it resolves to, is owned by root or the effective user and is not writable by group or others — except a
// sticky directory such as /tmp, where nobody else can remove or rename an entry they do not own.
//
//   MIG_ASSIGN_OR_RETURN(std::string text, ReadTrustedFile("/etc/mig/mig.conf", 1 << 20));
//   // PermissionDenied: "refusing /tmp/mig.conf: /tmp is writable by others (mode 1777, owner uid 0) ..."
#ifndef MIG_BASE_TRUSTED_FILE_H_
#define MIG_BASE_TRUSTED_FILE_H_

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mig {

// Whether the file open as `fd` (opened from `path`) and every directory above it pass the rule for the
// effective user. PermissionDenied naming the path at fault, its owner and its mode, and the fix.
absl::Status CheckTrustedFile(const std::string& path, int fd);

// ReadFileBounded (base/files.h: a regular file, never blocking, bounded), then CheckTrustedFile.
absl::StatusOr<std::string> ReadTrustedFile(const std::string& path, size_t max_bytes);

// The rule for one file or directory, exposed for tests: owned by root or `user`, not writable by group or
// others unless it is a sticky directory.
bool TrustedOwnerAndMode(uid_t owner, mode_t mode, uid_t user);

}  // namespace mig

#endif  // MIG_BASE_TRUSTED_FILE_H_
