// Whole-file reads and writes with the care mig needs everywhere: bounded reads, and writes that leave the
// old file or the new one, never a half-written one.
//
//   MIG_RETURN_IF_ERROR(WriteFileAtomically("/var/lib/mig/replay", text, 0600));
//   MIG_ASSIGN_OR_RETURN(std::string text, ReadFileBounded("a.json", 4 << 20));
#ifndef MIG_BASE_FILES_H_
#define MIG_BASE_FILES_H_

#include <sys/types.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mig {

// Writes all of `data` to `fd`, retrying short writes and EINTR; errors name `name`.
absl::Status WriteAll(int fd, std::string_view data, std::string_view name);

// Writes `contents` to a temporary file next to `path` with exactly `mode` (whatever the umask), fsyncs it,
// renames it over `path` and fsyncs the directory, so that after a crash `path` holds the old contents or
// the new, and the new survive once this returns.
absl::Status WriteFileAtomically(const std::string& path, std::string_view contents, mode_t mode);

// Reads `fd` to its end; more than `max_bytes` is an error naming `name`.
absl::StatusOr<std::string> ReadFdBounded(int fd, size_t max_bytes, std::string_view name);
// A missing file is NotFound; other failures to open carry their errno's code (PermissionDenied, ...).
absl::StatusOr<std::string> ReadFileBounded(const std::string& path, size_t max_bytes);

// Creates `path` and any missing parents with `mode` (like mkdir -p); an existing directory is fine, an existing
// non-directory is an error.
absl::Status MakeDirectories(const std::string& path, mode_t mode);

// "/a/b" for "/a/b/c"; "/" for "/c"; "." for "c".
std::string ParentDirectory(const std::string& path);

// fsyncs the directory `path`, making a rename or unlink in it durable.
absl::Status SyncDirectory(const std::string& path);

}  // namespace mig

#endif  // MIG_BASE_FILES_H_
