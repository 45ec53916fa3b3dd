// Reading a file's bytes for content and digest checks: without touching its access time where the kernel
// allows (O_NOATIME), without blocking on FIFOs or devices (O_NONBLOCK), and, when asked, through gzip
// decompression (files starting with 1f 8b; concatenated members too, as gzip -d does).
//
//   FileSource source;
//   MIG_RETURN_IF_ERROR(source.Open(dir_fd, "syslog.2.gz", /*decompress=*/true));
//   while (true) {
//     MIG_ASSIGN_OR_RETURN(size_t n, source.Read(buffer, capacity));
//     if (n == 0) break;
//     ...
//   }
#ifndef MIG_MODULES_FILE_FILE_SOURCE_H_
#define MIG_MODULES_FILE_FILE_SOURCE_H_

#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mig::modules::file {

// Decompressed data beyond this is refused: a small archive must not make an agent read for hours.
inline constexpr uint64_t kMaxDecompressedBytes = uint64_t{4} << 30;
// A file that reports size 0 (/proc, /sys, a hostile FUSE mount) is read up to this much.
inline constexpr uint64_t kMaxUnsizedFileBytes = uint64_t{256} << 20;

class FileSource {
 public:
  FileSource();
  ~FileSource();
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  // Opens `name` relative to the directory `dir_fd` (AT_FDCWD for a path). `display_path` names the file in
  // errors. Fails if it cannot be opened or is not a regular file.
  absl::Status Open(int dir_fd, const char* name, const std::string& display_path, bool decompress);

  // Reads up to `capacity` bytes; 0 means the end. Errors name the file.
  absl::StatusOr<size_t> Read(char* buffer, size_t capacity);

  bool is_gzip() const { return gzip_ != nullptr; }
  // The open file's fstat().
  const struct stat& stat() const { return stat_; }

 private:
  struct Gzip;
  // read(2), retried on EINTR, counting what it delivers.
  absl::StatusOr<size_t> ReadFd(char* buffer, size_t capacity);
  absl::Status RefillGzipInput();
  absl::StatusOr<size_t> ReadRaw(char* buffer, size_t capacity);
  absl::StatusOr<size_t> ReadGzip(char* buffer, size_t capacity);

  int fd_ = -1;
  struct stat stat_ = {};
  std::string path_;
  // Bytes read ahead to look for the gzip magic, handed out before further reads.
  std::string peeked_;
  size_t peeked_offset_ = 0;
  uint64_t delivered_ = 0;  // bytes read from the file so far (raw, before decompression)
  std::unique_ptr<Gzip> gzip_;
};

// openat(2) with O_CLOEXEC and, where the kernel allows it (the file's owner, or root), O_NOATIME, so that
// inspecting a file does not change its access time. One system call: musl's open() adds an fcntl() for
// O_CLOEXEC, which a walk of every directory on a host would pay for in the millions.
int OpenWithoutAtime(int dir_fd, const char* path, int flags);
// OpenWithoutAtime(AT_FDCWD, path) for a path of any length, even past PATH_MAX. -1 with errno on failure.
int OpenDirectoryAtAnyDepth(const std::string& path, int flags);

// errno as Go prints it in errors: strerror with a lowercase first letter ("permission denied").
std::string ErrnoText(int error_number);

}  // namespace mig::modules::file

#endif  // MIG_MODULES_FILE_FILE_SOURCE_H_
