// Memory for inputs of hundreds of megabytes (the security tracker's JSON, a main suite's package list):
// anonymous pages asked to be huge (2 MiB), so that filling 100 MB costs tens of page faults rather than
// tens of thousands (on a virtual machine each fault is expensive: they were most of the time spent on a
// 100 MB file). Growing moves the pages (mremap), it does not copy them. There are always kPadding zero
// bytes readable after the contents, which simdjson needs.
//
//   MIG_ASSIGN_OR_RETURN(PageBuffer text, ReadFileToBuffer("tracker.json", 1 << 30));
//   parser.iterate(simdjson::padded_string_view(text.data(), text.size(), text.size() + PageBuffer::kPadding));
#ifndef MIG_MODULES_SCRIBE_POLICY_SOURCES_PAGE_BUFFER_H_
#define MIG_MODULES_SCRIBE_POLICY_SOURCES_PAGE_BUFFER_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace mig::modules::scribe::policy_sources {

class PageBuffer {
 public:
  static constexpr size_t kPadding = 64;  // at least SIMDJSON_PADDING

  PageBuffer() = default;
  PageBuffer(PageBuffer&& other) noexcept;
  PageBuffer& operator=(PageBuffer&& other) noexcept;
  PageBuffer(const PageBuffer&) = delete;
  PageBuffer& operator=(const PageBuffer&) = delete;
  ~PageBuffer();

  // Room for `capacity` bytes of contents (plus the padding); keeps the contents. False when the memory
  // cannot be had.
  bool Reserve(size_t capacity);
  // Sets the size within the capacity; the bytes after it up to the padding are zeroed.
  void Resize(size_t size);

  char* data() { return data_; }
  const char* data() const { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return mapped_ == 0 ? 0 : mapped_ - kPadding; }
  std::string_view view() const { return {data_ == nullptr ? "" : data_, size_}; }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  size_t mapped_ = 0;
};

// The whole file in one read into a buffer of its size. NotFound when it cannot be opened; a file larger
// than `max_bytes` is InvalidArgument.
absl::StatusOr<PageBuffer> ReadFileToBuffer(const std::string& path, size_t max_bytes);

}  // namespace mig::modules::scribe::policy_sources

#endif  // MIG_MODULES_SCRIBE_POLICY_SOURCES_PAGE_BUFFER_H_
