// DigestFd against the one-shot digest, across the buffer's edges, with its limit and its chunk sink.
#include "crypto/file_digest.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "absl/status/status.h"
#include "base/unique_fd.h"
#include "catch2/catch.hpp"

namespace mig::crypto {
namespace {

UniqueFd FileHolding(const std::string& contents) {
  UniqueFd fd(memfd_create("file_digest_test", MFD_CLOEXEC));
  REQUIRE(fd.valid());
  REQUIRE(write(fd.get(), contents.data(), contents.size()) == static_cast<ssize_t>(contents.size()));
  REQUIRE(lseek(fd.get(), 0, SEEK_SET) == 0);
  return fd;
}

TEST_CASE("DigestFd equals the one-shot digest, whatever the size") {
  const size_t kSizes[] = {0, 1, 3, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 3 << 20};
  for (size_t size : kSizes) {
    std::string contents(size, '\0');
    for (size_t i = 0; i < size; ++i) contents[i] = static_cast<char>(i * 131 + i / 7);
    UniqueFd fd = FileHolding(contents);
    std::string copied;
    absl::StatusOr<StreamedDigest> d =
        DigestFd(DigestAlgorithm::kSha256, fd.get(), "f", size, [&](std::string_view chunk) {
          copied.append(chunk);
          return absl::OkStatus();
        });
    REQUIRE(d.ok());
    CHECK(d->size == size);
    CHECK(d->digest.ToHex() == ComputeDigest(DigestAlgorithm::kSha256, contents.data(), contents.size()).ToHex());
    CHECK(copied == contents);
  }
}

TEST_CASE("DigestFd stops at its limit, and at the sink's first error") {
  UniqueFd fd = FileHolding(std::string(100, 'x'));
  absl::StatusOr<StreamedDigest> over = DigestFd(DigestAlgorithm::kSha256, fd.get(), "big.bin", 99);
  CHECK(absl::IsFailedPrecondition(over.status()));
  CHECK(over.status().message() == "big.bin is larger than 99 bytes");

  REQUIRE(lseek(fd.get(), 0, SEEK_SET) == 0);
  absl::StatusOr<StreamedDigest> refused =
      DigestFd(DigestAlgorithm::kSha256, fd.get(), "f", 1000,
               [](std::string_view) { return absl::ResourceExhaustedError("disk full"); });
  CHECK(absl::IsResourceExhausted(refused.status()));

  UniqueFd directory(open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  absl::StatusOr<StreamedDigest> unreadable = DigestFd(DigestAlgorithm::kSha256, directory.get(), "/", 1000);
  CHECK_FALSE(unreadable.ok());
  CHECK(unreadable.status().message() == "cannot read /: Is a directory");
}

}  // namespace
}  // namespace mig::crypto
