// Whole-file reads and writes with the care mig needs everywhere: reads of regular files only, bounded, that
// a FIFO or a device cannot block; and writes that leave the old file or the new one, never a half-written one.
//
//   MIG_RETURN_IF_ERROR(WriteFileAtomically("/var/lib/mig/replay", text, 0600));
//   MIG_ASSIGN_OR_RETURN(std::string text, ReadFileBounded("a.json", 4 << 20));
//   MIG_ASSIGN_OR_RETURN(std::string manifest, ReadFileBounded(path, 1 << 20, FollowLinks::kNo));
//   MIG_ASSIGN_OR_RETURN(UniqueFd fd, OpenRegularFile(path));   // to stream it
#ifndef MIG_BASE_FILES_H_
#define MIG_BASE_FILES_H_

#include <sys/types.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/unique_fd.h"

namespace mig {

// Writes all of `data` to `fd`, retrying short writes and EINTR; errors name `name`.
absl::Status WriteAll(int fd, std::string_view data, std::string_view name);

// Writes `contents` to a temporary file next to `path` with exactly `mode` (whatever the umask), fsyncs it,
// renames it over `path` and fsyncs the directory, so that after a crash `path` holds the old contents or
// the new, and the new survive once this returns.
absl::Status WriteFileAtomically(const std::string& path, std::string_view contents, mode_t mode);

// Reads `fd` to its end; more than `max_bytes` is ResourceExhausted naming `name`.
absl::StatusOr<std::string> ReadFdBounded(int fd, size_t max_bytes, std::string_view name);

// Whether the last component of a path may be a symbolic link. kNo for names a hostile source supplies (a
// release directory on removable media), where a link could point the reader anywhere on the host.
enum class FollowLinks { kYes, kNo };

// Every file mig reads whole (configurations, keys, certificates, manifests, binaries, policies, parameter
// and action files, state files, files of the host being inspected) is opened through here. The rule: open
// with O_NONBLOCK, so that opening a FIFO or a device never blocks; fstat the descriptor, and refuse
// anything but a regular file (FailedPrecondition: "/x is a FIFO, not a regular file"); with
// FollowLinks::kNo, refuse a symbolic link (O_NOFOLLOW). A missing file is NotFound; other failures to open
// carry their errno's code (PermissionDenied, ...). The descriptor is left non-blocking, which regular
// files ignore.
absl::StatusOr<UniqueFd> OpenRegularFile(const std::string& path, FollowLinks follow = FollowLinks::kYes);
// OpenRegularFile, then the whole file: more than `max_bytes` is ResourceExhausted, refused from the file's
// size before reading, and again while reading (a file that grows).
absl::StatusOr<std::string> ReadFileBounded(const std::string& path, size_t max_bytes,
                                            FollowLinks follow = FollowLinks::kYes);

// "a FIFO", "a directory", "a character device", ... for st_mode.
std::string_view FileTypeName(mode_t mode);

// Creates `path` and any missing parents with `mode` (like mkdir -p); an existing directory is fine, an existing
// non-directory is an error.
absl::Status MakeDirectories(const std::string& path, mode_t mode);

// "/a/b" for "/a/b/c"; "/" for "/c"; "." for "c".
std::string ParentDirectory(const std::string& path);

// fsyncs the directory `path`, making a rename or unlink in it durable.
absl::Status SyncDirectory(const std::string& path);

}  // namespace mig

#endif  // MIG_BASE_FILES_H_
