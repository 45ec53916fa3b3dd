// The digest of everything a descriptor reads, a buffer at a time (release binaries are tens of megabytes),
// optionally handing each chunk on (to copy the file while hashing it, in one read).
//
//   MIG_ASSIGN_OR_RETURN(UniqueFd fd, OpenRegularFile(path));
//   MIG_ASSIGN_OR_RETURN(StreamedDigest d, DigestFd(DigestAlgorithm::kSha256, fd.get(), path, kMaxBytes));
//   std::string hex = d.digest.ToHex();   // and d.size, the bytes read
#ifndef MIG_CRYPTO_FILE_DIGEST_H_
#define MIG_CRYPTO_FILE_DIGEST_H_

#include <cstdint>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/digest.h"

namespace mig::crypto {

struct StreamedDigest {
  uint64_t size = 0;
  DigestValue digest;
};

// Reads `fd` to its end. More than `max_bytes` is FailedPrecondition ("NAME is larger than N bytes"); a read
// error carries its errno's code; an error from `each_chunk` stops the read and is returned.
absl::StatusOr<StreamedDigest> DigestFd(DigestAlgorithm algorithm, int fd, std::string_view name, uint64_t max_bytes);
absl::StatusOr<StreamedDigest> DigestFd(DigestAlgorithm algorithm, int fd, std::string_view name, uint64_t max_bytes,
                                        absl::FunctionRef<absl::Status(std::string_view chunk)> each_chunk);

}  // namespace mig::crypto

#endif  // MIG_CRYPTO_FILE_DIGEST_H_
