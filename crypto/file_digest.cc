#include "crypto/file_digest.h"

#include <errno.h>
#include <unistd.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "base/errno_status.h"

namespace mig::crypto {
namespace {

constexpr size_t kBufferBytes = 1 << 20;

}  // namespace

absl::StatusOr<StreamedDigest> DigestFd(DigestAlgorithm algorithm, int fd, std::string_view name, uint64_t max_bytes) {
  return DigestFd(algorithm, fd, name, max_bytes, [](std::string_view) { return absl::OkStatus(); });
}

absl::StatusOr<StreamedDigest> DigestFd(DigestAlgorithm algorithm, int fd, std::string_view name, uint64_t max_bytes,
                                        absl::FunctionRef<absl::Status(std::string_view chunk)> each_chunk) {
  std::unique_ptr<char[]> buffer(new char[kBufferBytes]);
  Digest digest(algorithm);
  StreamedDigest result;
  while (true) {
    ssize_t n = read(fd, buffer.get(), kBufferBytes);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("read", name, errno);
    if (n == 0) break;
    result.size += static_cast<uint64_t>(n);
    if (result.size > max_bytes) {
      return absl::FailedPreconditionError(absl::StrCat(name, " is larger than ", max_bytes, " bytes"));
    }
    std::string_view chunk(buffer.get(), static_cast<size_t>(n));
    digest.Update(chunk.data(), chunk.size());
    if (absl::Status handed_on = each_chunk(chunk); !handed_on.ok()) return handed_on;
  }
  result.digest = digest.Final();
  return result;
}

}  // namespace mig::crypto
