// HTTP/1.1 on the wire (RFC 9112): parsing request and response heads, deciding how a body is framed,
// decoding chunked bodies, and writing heads. Shared by the server and the client; strict where leniency
// would let two parsers disagree about where a message ends.
//
//   MIG_ASSIGN_OR_RETURN(RequestHead head, ParseRequestHead("GET /x HTTP/1.1\r\nHost: a"));
//   MIG_ASSIGN_OR_RETURN(Framing framing, RequestFraming(head.headers));
#ifndef MIG_HTTP_INTERNAL_WIRE_H_
#define MIG_HTTP_INTERNAL_WIRE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "http/internal/stream.h"
#include "http/message.h"

namespace mig::http::internal {

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

// A head as Reader::ReadHead returns it: start line, then header fields, lines ended by LF or CRLF.
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

// Reads a chunked body (RFC 9112 7.1) through its trailer, appending the data to `body`. InvalidArgument if
// malformed, ResourceExhausted if the data would exceed max_body_bytes or a size, extension or trailer
// line max_line_bytes; the reader's errors otherwise.
absl::Status ReadChunkedBody(Reader& reader, size_t max_body_bytes, size_t max_line_bytes, std::string* body);

// Whether the comma-separated header value lists `token`, case-insensitively ("close" in "Keep-Alive, Close").
bool HasToken(std::string_view value, std::string_view token);

// Whether name is a token (RFC 9110 5.6.2) and value has no control characters but tab: safe to write.
bool ValidHeaderName(std::string_view name);
bool ValidHeaderValue(std::string_view value);

// "OK", "Not Found"... and "Unknown" for codes without a name here.
std::string_view ReasonPhrase(int status);

}  // namespace mig::http::internal

#endif  // MIG_HTTP_INTERNAL_WIRE_H_
