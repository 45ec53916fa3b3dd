#include "base/http/internal/request_decoder.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace mig::http::internal {

RequestDecoder::RequestDecoder(size_t max_header_bytes, size_t max_body_bytes)
    : max_header_bytes_(max_header_bytes),
      max_body_bytes_(max_body_bytes),
      head_(max_header_bytes),
      chunked_(max_body_bytes, max_header_bytes) {}

size_t RequestDecoder::Feed(std::string_view input) {
  if (stage_ == Stage::kHead) {
    absl::StatusOr<size_t> taken = head_.Feed(input);
    if (!taken.ok()) {
      Refuse(431, absl::StrCat("the request head is longer than ", max_header_bytes_, " bytes"));
      return input.size();
    }
    if (head_.done()) HeadDone();
    return *taken;
  }
  if (stage_ != Stage::kBody) return 0;
  std::string& body = decoded_.request.body;
  if (framing_.kind == Framing::kLength) {
    const size_t taken = static_cast<size_t>(std::min<uint64_t>(framing_.length - body.size(), input.size()));
    body.append(input.substr(0, taken));
    if (body.size() == framing_.length) stage_ = Stage::kComplete;
    return taken;
  }
  absl::StatusOr<size_t> taken = chunked_.Feed(input, &body);
  if (absl::IsResourceExhausted(taken.status())) {
    Refuse(413, TooLarge());
  } else if (!taken.ok()) {
    Refuse(400, taken.status().message());
  } else if (chunked_.done()) {
    stage_ = Stage::kComplete;
  }
  return taken.ok() ? *taken : input.size();
}

void RequestDecoder::HeadDone() {
  absl::StatusOr<RequestHead> parsed = ParseRequestHead(head_.head());
  if (!parsed.ok()) return Refuse(400, parsed.status().message());
  if (parsed->major_version != 1) return Refuse(505, "only HTTP/1.0 and HTTP/1.1 are supported");
  Request& request = decoded_.request;
  request.method = std::move(parsed->method);
  request.target = std::move(parsed->target);
  request.headers = std::move(parsed->headers);
  decoded_.minor_version = parsed->minor_version;
  bool close = false;
  bool keep_alive = false;
  for (const auto& [name, value] : request.headers) {
    if (name != "connection") continue;
    close |= HasToken(value, "close");
    keep_alive |= HasToken(value, "keep-alive");
  }
  // HTTP/1.0 closes unless asked to keep alive.
  decoded_.keep_alive = !close && (decoded_.minor_version >= 1 || keep_alive);

  absl::StatusOr<Framing> framing = RequestFraming(request.headers);
  if (!framing.ok()) return Refuse(absl::IsUnimplemented(framing.status()) ? 501 : 400, framing.status().message());
  if (framing->kind == Framing::kLength && framing->length > max_body_bytes_) return Refuse(413, TooLarge());
  framing_ = *framing;
  const bool has_body = framing_.kind == Framing::kChunked || framing_.length > 0;
  if (std::optional<std::string_view> expect = request.Header("expect")) {
    if (!absl::EqualsIgnoreCase(*expect, "100-continue")) return Refuse(417, "only 100-continue is expected");
    // The client waits for it before it sends the body (curl does, for large ones); HTTP/1.0 has no 1xx.
    expects_continue_ = has_body && decoded_.minor_version >= 1;
  }
  stage_ = has_body ? Stage::kBody : Stage::kComplete;
}

void RequestDecoder::Refuse(int status, std::string_view message) {
  stage_ = Stage::kRefused;
  refusal_ = {.status = status, .message = std::string(message)};
}

std::string RequestDecoder::TooLarge() const {
  return absl::StrCat("the request body is longer than ", max_body_bytes_, " bytes");
}

RequestDecoder::Decoded RequestDecoder::Take() {
  Decoded decoded = std::move(decoded_);
  decoded_ = Decoded();
  head_ = HeadDecoder(max_header_bytes_);
  chunked_ = ChunkedDecoder(max_body_bytes_, max_header_bytes_);
  framing_ = Framing();
  expects_continue_ = false;
  stage_ = Stage::kHead;
  return decoded;
}

}  // namespace mig::http::internal
