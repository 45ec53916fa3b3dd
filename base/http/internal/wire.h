// HTTP/1.1 on the wire (RFC 9112): where a message head ends and how it parses, how a body is framed, and
// chunked bodies. Shared by the server and the client, so that both keep one definition of where a message
// ends; strict where leniency would let two parsers disagree about it.
//
// Heads and chunked bodies are decoded incrementally (HeadDecoder, ChunkedDecoder: bytes in pieces of any
// size, as they arrive), which the server's event loop feeds directly and the client through a blocking
// Reader (ReadHead, ReadChunkedBody).
//
//   MIG_ASSIGN_OR_RETURN(RequestHead head, ParseRequestHead("GET /x HTTP/1.1\r\nHost: a"));
//   MIG_ASSIGN_OR_RETURN(Framing framing, RequestFraming(head.headers));
//
//   HeadDecoder decoder(64 << 10);
//   MIG_ASSIGN_OR_RETURN(size_t taken, decoder.Feed(bytes));  // then decoder.done(), decoder.head()
#ifndef MIG_BASE_HTTP_INTERNAL_WIRE_H_
#define MIG_BASE_HTTP_INTERNAL_WIRE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/http/message.h"
#include "base/net/stream.h"

namespace mig::http::internal {

// The streams the wire is read from and written to (base/net/stream.h).
using net::Await;
using net::Progress;
using net::Reader;
using net::Stream;

struct RequestHead {
  std::string method;
  std::string target;
  int major_version = 1;  // HTTP/<major>.<minor>
  int minor_version = 1;
  Headers headers;  // names lowercased
};

struct ResponseHead {
  int status = 0;
  int minor_version = 1;
  Headers headers;
};

// A head as HeadDecoder returns it: start line, then header fields, lines ended by LF or CRLF.
// InvalidArgument naming what is malformed. A request for a version other than HTTP/1.x is well formed (the
// server answers 505); a request target must be a path ("origin-form"). A response must be HTTP/1.x.
absl::StatusOr<RequestHead> ParseRequestHead(std::string_view head);
absl::StatusOr<ResponseHead> ParseResponseHead(std::string_view head);

// How a message's body is delimited.
struct Framing {
  enum Kind { kNone, kLength, kChunked, kUntilClose };
  Kind kind = kNone;
  uint64_t length = 0;  // kLength
};

// For a request: Content-Length, chunked, or no body. InvalidArgument for a bad or conflicting
// Content-Length, or Transfer-Encoding together with Content-Length (a request smuggling vector);
// Unimplemented for a transfer coding other than chunked alone.
absl::StatusOr<Framing> RequestFraming(const Headers& headers);
// For a response to a request other than HEAD: none for 1xx, 204 and 304; chunked; Content-Length; else up
// to the end of the connection. InvalidArgument for a bad Content-Length.
absl::StatusOr<Framing> ResponseFraming(int status, const Headers& headers);

// A message head, decoded from bytes as they arrive: the start line and header fields up to (without) the
// empty line that ends them, after skipping empty lines before it (RFC 9112 2.2). Lines end with LF or CRLF.
class HeadDecoder {
 public:
  explicit HeadDecoder(size_t max_bytes) : max_bytes_(max_bytes) {}

  // Takes bytes from the front of `input`, up to the end of the head, and returns how many: all of them
  // unless the head ends within them. ResourceExhausted once the head, or the empty lines before it, is
  // longer than max_bytes.
  absl::StatusOr<size_t> Feed(std::string_view input);
  bool done() const { return done_; }
  // Whether any byte has been taken, empty lines before the head included.
  bool started() const { return started_; }
  // Whether any byte of the head itself has been taken: a stream that ends before is between messages.
  bool in_head() const { return !skipping_; }
  // Once done.
  const std::string& head() const { return head_; }
  std::string TakeHead() { return std::move(head_); }

 private:
  size_t max_bytes_;
  bool started_ = false;
  bool skipping_ = true;     // still in the empty lines before the head
  bool pending_cr_ = false;  // skipping: a CR that may begin one more empty line
  size_t skipped_ = 0;
  std::string head_;    // what came of the head so far; once done, the head
  size_t scanned_ = 0;  // head_[0, scanned_) holds no end of the head
  bool done_ = false;
};

// A chunked body (RFC 9112 7.1) through its trailer, decoded from bytes as they arrive. InvalidArgument if
// malformed; ResourceExhausted if the data would exceed max_body_bytes, or a size, extension or trailer line
// max_line_bytes. The trailer's fields are ignored.
class ChunkedDecoder {
 public:
  ChunkedDecoder(size_t max_body_bytes, size_t max_line_bytes)
      : max_body_bytes_(max_body_bytes), max_line_bytes_(max_line_bytes) {}

  // Takes bytes from the front of `input`, up to the end of the trailer, appending the data to `body`, and
  // returns how many: all of them unless the body ends within them.
  absl::StatusOr<size_t> Feed(std::string_view input, std::string* body);
  bool done() const { return state_ == kDone; }
  // The data decoded so far.
  size_t body_bytes() const { return decoded_; }

 private:
  enum State { kSizeLine, kData, kDataEnd, kTrailer, kDone };
  // Takes bytes up to the end of a line into line_: true once the line is whole (line_ without LF or CRLF).
  absl::StatusOr<bool> TakeLine(std::string_view input, size_t* taken);

  size_t max_body_bytes_;
  size_t max_line_bytes_;
  State state_ = kSizeLine;
  std::string line_;
  uint64_t chunk_left_ = 0;
  size_t decoded_ = 0;
  size_t trailer_bytes_ = 0;
};

// Blocking, through a Reader: the next message head (HeadDecoder's), nullopt if the stream ends before any
// byte of it; DataLoss if it ends in the middle.
absl::StatusOr<std::optional<std::string>> ReadHead(Reader& reader, size_t max_bytes);
// Blocking, through a Reader: a chunked body (ChunkedDecoder's), appended to `body`; DataLoss if the
// stream ends first.
absl::Status ReadChunkedBody(Reader& reader, size_t max_body_bytes, size_t max_line_bytes, std::string* body);

// Whether the comma-separated header value lists `token`, case-insensitively ("close" in "Keep-Alive, Close").
bool HasToken(std::string_view value, std::string_view token);

// Whether name is a token (RFC 9110 5.6.2) and value has no control characters but tab: safe to write.
bool ValidHeaderName(std::string_view name);
bool ValidHeaderValue(std::string_view value);

// "OK", "Not Found"... and "Unknown" for codes without a name here.
std::string_view ReasonPhrase(int status);

}  // namespace mig::http::internal

#endif  // MIG_BASE_HTTP_INTERNAL_WIRE_H_
