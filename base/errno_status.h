// One way to turn a failed system call into a Status: "cannot <what> <name>: <strerror>", with the code the
// errno value means (ENOENT NotFound, EACCES PermissionDenied, ENOSPC ResourceExhausted, ...), so that a
// caller can tell a missing file from a full disk without parsing the message.
//
//   int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
//   if (fd < 0) return ErrnoError("open", path, errno);
#ifndef MIG_BASE_ERRNO_STATUS_H_
#define MIG_BASE_ERRNO_STATUS_H_

#include <string_view>

#include "absl/status/status.h"

namespace mig {

absl::Status ErrnoError(std::string_view what, std::string_view name, int error);

}  // namespace mig

#endif  // MIG_BASE_ERRNO_STATUS_H_
