#include "modules/scribe/policy_sources/page_buffer.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/files.h"

namespace mig::modules::scribe::policy_sources {
namespace {

constexpr size_t kPage = 4096;
constexpr size_t kHugePage = 2 << 20;

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

}  // namespace

PageBuffer::PageBuffer(PageBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      mapped_(std::exchange(other.mapped_, 0)) {}

PageBuffer& PageBuffer::operator=(PageBuffer&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) munmap(data_, mapped_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    mapped_ = std::exchange(other.mapped_, 0);
  }
  return *this;
}

PageBuffer::~PageBuffer() {
  if (data_ != nullptr) munmap(data_, mapped_);
}

bool PageBuffer::Reserve(size_t capacity) {
  if (capacity > SIZE_MAX / 2) return false;
  size_t wanted = RoundUp(capacity + kPadding, capacity >= kHugePage ? kHugePage : kPage);
  if (wanted <= mapped_) return true;
  void* memory = data_ == nullptr ? mmap(nullptr, wanted, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                                  : mremap(data_, mapped_, wanted, MREMAP_MAYMOVE);
  if (memory == MAP_FAILED) return false;
  // Only a hint: without transparent huge pages this is ordinary memory.
  if (wanted >= kHugePage) madvise(memory, wanted, MADV_HUGEPAGE);
  data_ = static_cast<char*>(memory);
  mapped_ = wanted;
  return true;
}

void PageBuffer::Resize(size_t size) {
  size_ = std::min(size, capacity());
  if (data_ != nullptr) std::memset(data_ + size_, 0, kPadding);
}

absl::StatusOr<PageBuffer> ReadFileToBuffer(const std::string& path, size_t max_bytes) {
  absl::StatusOr<UniqueFd> opened = OpenRegularFile(path);
  if (!opened.ok()) return opened.status();
  int fd = opened->release();  // closed below on every path
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return absl::UnavailableError(absl::StrCat("cannot stat ", path, ": ", strerror(errno)));
  }
  PageBuffer buffer;
  size_t expected = static_cast<size_t>(st.st_size);
  if (expected > max_bytes) {
    close(fd);
    return absl::InvalidArgumentError(absl::StrCat(path, " is larger than ", max_bytes, " bytes"));
  }
  size_t filled = 0;
  while (true) {
    if (filled == buffer.capacity() &&
        !buffer.Reserve(std::min(std::max({expected + 1, 2 * buffer.capacity(), size_t{1} << 16}), max_bytes + 1))) {
      close(fd);
      return absl::ResourceExhaustedError(absl::StrCat("cannot allocate memory to read ", path));
    }
    ssize_t n = read(fd, buffer.data() + filled, buffer.capacity() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      close(fd);
      return absl::UnavailableError(absl::StrCat("cannot read ", path, ": ", strerror(error)));
    }
    if (n == 0) break;
    filled += static_cast<size_t>(n);
    if (filled > max_bytes) {
      close(fd);
      return absl::InvalidArgumentError(absl::StrCat(path, " is larger than ", max_bytes, " bytes"));
    }
  }
  close(fd);
  buffer.Resize(filled);
  return buffer;
}

}  // namespace mig::modules::scribe::policy_sources
