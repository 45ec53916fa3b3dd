#include "base/files.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "base/errno_status.h"
#include "base/status_macros.h"

namespace mig {
std::string ParentDirectory(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::Status SyncDirectory(const std::string& path) {
  int dir_fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return ErrnoError("open", path, errno);
  int synced = fsync(dir_fd);
  int error = errno;
  close(dir_fd);
  if (synced != 0) return ErrnoError("fsync", path, error);
  return absl::OkStatus();
}

absl::Status MakeDirectories(const std::string& path, mode_t mode) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrCat(path, " exists and is not a directory"));
  }
  std::string parent = ParentDirectory(path);
  if (parent != path && parent != "." && parent != "/") MIG_RETURN_IF_ERROR(MakeDirectories(parent, mode));
  if (mkdir(path.c_str(), mode) != 0 && errno != EEXIST) return ErrnoError("create directory", path, errno);
  return absl::OkStatus();
}

absl::Status WriteAll(int fd, std::string_view data, std::string_view name) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("write", name, errno);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status WriteFileAtomically(const std::string& path, std::string_view contents, mode_t mode) {
  std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return ErrnoError("create", tmp, errno);
  absl::Status status;
  if (fchmod(fd, mode) != 0) status = ErrnoError("chmod", tmp, errno);
  if (status.ok()) status = WriteAll(fd, contents, tmp);
  if (status.ok() && fsync(fd) != 0) status = ErrnoError("fsync", tmp, errno);
  if (close(fd) != 0 && status.ok()) status = ErrnoError("close", tmp, errno);
  if (status.ok() && rename(tmp.c_str(), path.c_str()) != 0) status = ErrnoError("rename", tmp, errno);
  if (!status.ok()) {
    unlink(tmp.c_str());
    return status;
  }
  // The rename itself must reach the disk too.
  return SyncDirectory(ParentDirectory(path));
}

absl::StatusOr<std::string> ReadFdBounded(int fd, size_t max_bytes, std::string_view name) {
  std::string text;
  char buf[1 << 16];
  while (true) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("read", name, errno);
    if (n == 0) return text;
    if (text.size() + static_cast<size_t>(n) > max_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat(name, " is larger than ", max_bytes, " bytes"));
    }
    text.append(buf, static_cast<size_t>(n));
  }
}

std::string_view FileTypeName(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return "a regular file";
    case S_IFDIR:
      return "a directory";
    case S_IFIFO:
      return "a FIFO";
    case S_IFSOCK:
      return "a socket";
    case S_IFCHR:
      return "a character device";
    case S_IFBLK:
      return "a block device";
    case S_IFLNK:
      return "a symbolic link";
    default:
      return "a special file";
  }
}

namespace {

absl::Status NotRegular(const std::string& path, mode_t mode) {
  return absl::FailedPreconditionError(absl::StrCat(path, " is ", FileTypeName(mode), ", not a regular file"));
}

absl::StatusOr<UniqueFd> OpenRegular(const std::string& path, FollowLinks follow, struct stat& st) {
  // Opening a device can act on it (a tape rewinds on close), so a path that is not a regular file is refused
  // before it is opened; the fstat after the open catches a file swapped in between.
  struct stat before;
  if ((follow == FollowLinks::kYes ? stat(path.c_str(), &before) : lstat(path.c_str(), &before)) == 0 &&
      !S_ISREG(before.st_mode)) {
    return NotRegular(path, before.st_mode);
  }
  int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  if (follow == FollowLinks::kNo) flags |= O_NOFOLLOW;
  UniqueFd fd(open(path.c_str(), flags));
  if (!fd.valid()) {
    int error = errno;
    // O_NOFOLLOW on a link fails with ELOOP; say what it is rather than "too many levels of links".
    if (error == ELOOP && follow == FollowLinks::kNo) return NotRegular(path, S_IFLNK);
    // Only a missing file is NotFound: callers take that for "not created yet", which a permission error is not.
    return absl::Status(absl::ErrnoToStatusCode(error), absl::StrCat("cannot read ", path, ": ", strerror(error)));
  }
  if (fstat(fd.get(), &st) != 0) return ErrnoError("stat", path, errno);
  if (!S_ISREG(st.st_mode)) return NotRegular(path, st.st_mode);
  return fd;
}

}  // namespace

absl::StatusOr<UniqueFd> OpenRegularFile(const std::string& path, FollowLinks follow) {
  struct stat st;
  return OpenRegular(path, follow, st);
}

absl::StatusOr<std::string> ReadFileBounded(const std::string& path, size_t max_bytes, FollowLinks follow) {
  struct stat st;
  absl::StatusOr<UniqueFd> fd = OpenRegular(path, follow, st);
  if (!fd.ok()) return fd.status();
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(path, " is larger than ", max_bytes, " bytes"));
  }
  return ReadFdBounded(fd->get(), max_bytes, path);
}

}  // namespace mig
