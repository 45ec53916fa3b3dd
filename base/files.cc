#include "base/files.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace mig {
namespace {

absl::Status Errno(std::string_view what, std::string_view name, int error) {
  return absl::UnavailableError(absl::StrCat("cannot ", what, " ", name, ": ", strerror(error)));
}

}  // namespace

std::string ParentDirectory(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::Status SyncDirectory(const std::string& path) {
  int dir_fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return Errno("open", path, errno);
  int synced = fsync(dir_fd);
  int error = errno;
  close(dir_fd);
  if (synced != 0) return Errno("fsync", path, error);
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
  if (mkdir(path.c_str(), mode) != 0 && errno != EEXIST) return Errno("create directory", path, errno);
  return absl::OkStatus();
}

absl::Status WriteAll(int fd, std::string_view data, std::string_view name) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("write", name, errno);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status WriteFileAtomically(const std::string& path, std::string_view contents, mode_t mode) {
  std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Errno("create", tmp, errno);
  absl::Status status;
  if (fchmod(fd, mode) != 0) status = Errno("chmod", tmp, errno);
  if (status.ok()) status = WriteAll(fd, contents, tmp);
  if (status.ok() && fsync(fd) != 0) status = Errno("fsync", tmp, errno);
  if (close(fd) != 0 && status.ok()) status = Errno("close", tmp, errno);
  if (status.ok() && rename(tmp.c_str(), path.c_str()) != 0) status = Errno("rename", tmp, errno);
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
    if (n < 0) return Errno("read", name, errno);
    if (n == 0) return text;
    if (text.size() + static_cast<size_t>(n) > max_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(name, " is larger than ", max_bytes, " bytes"));
    }
    text.append(buf, static_cast<size_t>(n));
  }
}

absl::StatusOr<std::string> ReadFileBounded(const std::string& path, size_t max_bytes) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  // Only a missing file is NotFound: callers take that for "not created yet", which a permission error is not.
  if (fd < 0) {
    int error = errno;
    return absl::Status(absl::ErrnoToStatusCode(error), absl::StrCat("cannot read ", path, ": ", strerror(error)));
  }
  absl::StatusOr<std::string> text = ReadFdBounded(fd, max_bytes, path);
  close(fd);
  return text;
}

}  // namespace mig
