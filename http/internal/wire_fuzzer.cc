// Fuzzes what the server and the client parse from the network: any bytes must be read as a head, framed
// and decoded as a chunked body, or refused, without crashing, and within the limits given.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/internal/stream.h"
#include "http/internal/wire.h"

namespace {

using mig::http::internal::Reader;
using mig::http::internal::Stream;

// The input, handed out a few bytes at a time, as a network would.
class BytesStream : public Stream {
 public:
  BytesStream(std::string_view data, size_t piece) : Stream(-1), data_(data), piece_(piece) {}
  absl::StatusOr<size_t> Read(char* buffer, size_t size, absl::Time, int) override {
    size_t n = std::min({size, piece_, data_.size()});
    data_.copy(buffer, n);
    data_.remove_prefix(n);
    return n;
  }
  absl::Status Write(std::string_view, absl::Time) override { return absl::OkStatus(); }

 private:
  std::string_view data_;
  size_t piece_;
};

constexpr size_t kMaxHead = 4096;
constexpr size_t kMaxBody = 1 << 16;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the read size, so that every split of the input is tried.
  const size_t piece = 1 + data[0] % 64;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  (void)mig::http::internal::ParseResponseHead(input);

  BytesStream stream(input, piece);
  Reader reader(&stream);
  // Requests one after the other, as on a keep-alive connection.
  for (;;) {
    absl::StatusOr<std::optional<std::string>> head = reader.ReadHead(kMaxHead);
    if (!head.ok() || !head->has_value()) return 0;
    if ((*head)->size() > kMaxHead) __builtin_trap();
    absl::StatusOr<mig::http::internal::RequestHead> request = mig::http::internal::ParseRequestHead(**head);
    if (!request.ok()) return 0;
    absl::StatusOr<mig::http::internal::Framing> framing = mig::http::internal::RequestFraming(request->headers);
    if (!framing.ok()) return 0;
    std::string body;
    absl::Status read = absl::OkStatus();
    if (framing->kind == mig::http::internal::Framing::kChunked) {
      read = mig::http::internal::ReadChunkedBody(reader, kMaxBody, kMaxHead, &body);
    } else if (framing->kind == mig::http::internal::Framing::kLength) {
      if (framing->length > kMaxBody) return 0;
      read = reader.ReadExactly(framing->length, &body);
    }
    if (!read.ok()) return 0;
    if (body.size() > kMaxBody) __builtin_trap();
  }
}
