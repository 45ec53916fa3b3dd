// The server's side of HTTP/1.1 framing: one request at a time decoded from bytes as they arrive, in pieces
// of any size, within the server's limits (wire.h's rules, shared with the client); or the refusal to answer
// (400, 413, 417, 431, 501, 505) when the bytes cannot make an acceptable request. No I/O, no clock: the
// caller reads, keeps the time, and decides what to do when the decoder stops.
//
//   RequestDecoder decoder(/*max_header_bytes=*/64 << 10, /*max_body_bytes=*/1 << 20);
//   input.erase(0, decoder.Feed(input));   // again after a stop at the end of the head
//   switch (decoder.stage()) {
//     case RequestDecoder::Stage::kComplete: Handle(decoder.Take()); break;  // then the next request
//     case RequestDecoder::Stage::kRefused: Answer(decoder.refusal()); break;
//     ...
//   }
#ifndef MIG_BASE_HTTP_INTERNAL_REQUEST_DECODER_H_
#define MIG_BASE_HTTP_INTERNAL_REQUEST_DECODER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/http/internal/wire.h"
#include "base/http/message.h"

namespace mig::http::internal {

// Why a request is refused: the status to answer, and the reason for its {"error":...} body.
struct Refusal {
  int status = 0;
  std::string message;
};

class RequestDecoder {
 public:
  enum class Stage {
    kHead,      // waiting for the head, or in it
    kBody,      // the head is in; waiting for the body, or in it
    kComplete,  // a whole request: Take it
    kRefused,   // see refusal(); the connection is to be answered so and closed
  };

  RequestDecoder(size_t max_header_bytes, size_t max_body_bytes);

  // Takes bytes from the front of `input` and returns how many: up to the end of the head, then (once
  // called again) up to the end of the body. It stops at the end of the head so that the caller can act on
  // the head before its body comes (100-continue, a budget for the body). Takes nothing once complete or
  // refused.
  size_t Feed(std::string_view input);

  Stage stage() const { return stage_; }
  // Whether any byte of this request has been taken (the empty lines allowed before it included): its
  // deadlines run from then.
  bool started() const { return head_.started(); }
  // From kBody on: the client waits for "100 Continue" before it sends the body.
  bool expects_continue() const { return expects_continue_; }
  // From kBody on: the bytes of body taken so far.
  size_t body_bytes() const { return decoded_.request.body.size(); }
  // kRefused.
  const Refusal& refusal() const { return refusal_; }

  // kComplete: the request (without peer); whether the connection may carry another one after the response,
  // and the HTTP/1.x minor version to answer in. The decoder is then ready for the next request.
  struct Decoded {
    Request request;
    bool keep_alive = false;
    int minor_version = 1;
  };
  Decoded Take();

 private:
  // The head is in: the request line and fields, then whether the request is acceptable and how its body is
  // framed.
  void HeadDone();
  void Refuse(int status, std::string_view message);
  std::string TooLarge() const;

  size_t max_header_bytes_;
  size_t max_body_bytes_;
  Stage stage_ = Stage::kHead;
  HeadDecoder head_;
  Decoded decoded_;
  Framing framing_;
  ChunkedDecoder chunked_;
  bool expects_continue_ = false;
  Refusal refusal_;
};

}  // namespace mig::http::internal

#endif  // MIG_BASE_HTTP_INTERNAL_REQUEST_DECODER_H_
