// Fuzzes what the server and the client parse from the network: any bytes must be read as a head, framed
// and decoded as a chunked body, or refused, without crashing, and within the limits given; through the
// client's blocking Reader and through the server's incremental RequestDecoder.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/http/internal/request_decoder.h"
#include "base/http/internal/wire.h"
#include "base/net/stream.h"

namespace {

using mig::net::Reader;
using mig::net::Stream;

// The input, handed out a few bytes at a time, as a network would.
class BytesStream : public Stream {
 public:
  BytesStream(std::string_view data, size_t piece) : Stream(-1), data_(data), piece_(piece) {}
  absl::StatusOr<mig::net::Progress> TryRead(char* buffer, size_t size) override {
    size_t n = std::min({size, piece_, data_.size()});
    data_.copy(buffer, n);
    data_.remove_prefix(n);
    return mig::net::Progress{.bytes = n};
  }
  absl::StatusOr<mig::net::Progress> TryWrite(std::string_view data) override {
    return mig::net::Progress{.bytes = data.size()};
  }

 private:
  std::string_view data_;
  size_t piece_;
};

constexpr size_t kMaxHead = 4096;
constexpr size_t kMaxBody = 1 << 16;

// The server's way: the input as it arrives, `piece` bytes at a time, to the incremental request decoder.
void DecodeRequests(std::string_view input, size_t piece) {
  using mig::http::internal::RequestDecoder;
  RequestDecoder decoder(kMaxHead, kMaxBody);
  std::string buffered;
  while (!input.empty()) {
    const size_t n = std::min(piece, input.size());
    buffered.append(input.substr(0, n));
    input.remove_prefix(n);
    for (;;) {
      const size_t taken = decoder.Feed(buffered);
      if (taken > buffered.size()) __builtin_trap();
      buffered.erase(0, taken);
      if (decoder.stage() == RequestDecoder::Stage::kRefused) return;
      if (decoder.stage() == RequestDecoder::Stage::kComplete) {
        if (decoder.Take().request.body.size() > kMaxBody) __builtin_trap();
        continue;
      }
      if (decoder.body_bytes() > kMaxBody) __builtin_trap();
      // It stops at the end of a head, once; else it takes everything it is given.
      if (taken == 0 || buffered.empty()) break;
    }
    if (!buffered.empty()) __builtin_trap();  // bytes it would not take: a stall
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the read size, so that every split of the input is tried.
  const size_t piece = 1 + data[0] % 64;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  (void)mig::http::internal::ParseResponseHead(input);
  DecodeRequests(input, piece);

  BytesStream stream(input, piece);
  Reader reader(&stream);
  // Requests one after the other, as on a keep-alive connection.
  for (;;) {
    absl::StatusOr<std::optional<std::string>> head = mig::http::internal::ReadHead(reader, kMaxHead);
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
