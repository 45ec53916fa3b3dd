#include "base/http/internal/wire.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace mig::http::internal {
namespace {

// How much of a bad line an error message quotes.
constexpr size_t kQuoteBytes = 40;

std::string Quote(std::string_view text) {
  std::string shown = absl::CHexEscape(text.substr(0, kQuoteBytes));
  return absl::StrCat("'", shown, text.size() > kQuoteBytes ? "...'" : "'");
}

bool IsTchar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string_view TrimOws(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// "HTTP/1.1" -> 1, 1.
bool ParseVersion(std::string_view text, int* major, int* minor) {
  if (text.size() != 8 || !absl::StartsWith(text, "HTTP/") || text[6] != '.' ||
      !absl::ascii_isdigit(static_cast<unsigned char>(text[5])) ||
      !absl::ascii_isdigit(static_cast<unsigned char>(text[7]))) {
    return false;
  }
  *major = text[5] - '0';
  *minor = text[7] - '0';
  return true;
}

// The header field lines after the start line.
absl::Status ParseFields(std::string_view lines, Headers* headers) {
  if (lines.empty()) return absl::OkStatus();
  for (std::string_view line : absl::StrSplit(lines, '\n')) {
    line = absl::StripSuffix(line, "\r");
    if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
      return absl::InvalidArgumentError(absl::StrCat("folded header line ", Quote(line)));
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("header line without ':' ", Quote(line)));
    }
    std::string_view name = line.substr(0, colon);
    std::string_view value = TrimOws(line.substr(colon + 1));
    if (!ValidHeaderName(name)) return absl::InvalidArgumentError(absl::StrCat("bad header name ", Quote(name)));
    if (!ValidHeaderValue(value)) {
      return absl::InvalidArgumentError(absl::StrCat("bad value of header '", name, "': ", Quote(value)));
    }
    headers->emplace_back(absl::AsciiStrToLower(name), std::string(value));
  }
  return absl::OkStatus();
}

// Every comma-separated element of every header named `name`, trimmed, empty ones skipped.
std::vector<std::string_view> ListElements(const Headers& headers, std::string_view name) {
  std::vector<std::string_view> elements;
  for (const auto& [n, value] : headers) {
    if (n != name) continue;
    for (std::string_view element : absl::StrSplit(value, ',')) {
      element = TrimOws(element);
      if (!element.empty()) elements.push_back(element);
    }
  }
  return elements;
}

// Content-Length, given once or repeated with the same value (RFC 9112 6.3). nullopt without one.
absl::StatusOr<std::optional<uint64_t>> ContentLength(const Headers& headers) {
  bool present = false;
  for (const auto& [name, value] : headers) present = present || name == "content-length";
  if (!present) return std::nullopt;
  std::vector<std::string_view> values = ListElements(headers, "content-length");
  if (values.empty()) return absl::InvalidArgumentError("empty Content-Length");
  uint64_t length = 0;
  for (std::string_view value : values) {
    uint64_t this_length = 0;
    // Digits only: SimpleAtoi would take a sign or spaces, which other parsers may read differently.
    if (value.size() > 18 || value.find_first_not_of("0123456789") != std::string_view::npos ||
        !absl::SimpleAtoi(value, &this_length)) {
      return absl::InvalidArgumentError(absl::StrCat("bad Content-Length ", Quote(value)));
    }
    if (value != values.front()) {
      return absl::InvalidArgumentError(
          absl::StrCat("conflicting Content-Length values ", Quote(values.front()), " and ", Quote(value)));
    }
    length = this_length;
  }
  return length;
}

}  // namespace

bool ValidHeaderName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!IsTchar(c)) return false;
  }
  return true;
}

bool ValidHeaderValue(std::string_view value) {
  for (char c : value) {
    const unsigned char u = static_cast<unsigned char>(c);
    if ((u < 0x20 && u != '\t') || u == 0x7f) return false;
  }
  return true;
}

absl::StatusOr<RequestHead> ParseRequestHead(std::string_view head) {
  std::pair<std::string_view, std::string_view> split = absl::StrSplit(head, absl::MaxSplits('\n', 1));
  std::string_view line = absl::StripSuffix(split.first, "\r");
  std::vector<std::string_view> parts = absl::StrSplit(line, ' ');
  if (parts.size() != 3) {
    return absl::InvalidArgumentError(absl::StrCat("bad request line ", Quote(line)));
  }
  RequestHead request;
  if (!ValidHeaderName(parts[0])) return absl::InvalidArgumentError(absl::StrCat("bad method ", Quote(parts[0])));
  std::string_view target = parts[1];
  if (target.empty() || target.front() != '/') {
    return absl::InvalidArgumentError(absl::StrCat("request target ", Quote(target), " is not a path"));
  }
  for (char c : target) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return absl::InvalidArgumentError(absl::StrCat("bad character in request target ", Quote(target)));
    }
  }
  if (!ParseVersion(parts[2], &request.major_version, &request.minor_version)) {
    return absl::InvalidArgumentError(absl::StrCat("bad HTTP version ", Quote(parts[2])));
  }
  request.method = std::string(parts[0]);
  request.target = std::string(target);
  if (absl::Status status = ParseFields(split.second, &request.headers); !status.ok()) return status;
  return request;
}

absl::StatusOr<ResponseHead> ParseResponseHead(std::string_view head) {
  std::pair<std::string_view, std::string_view> split = absl::StrSplit(head, absl::MaxSplits('\n', 1));
  std::string_view line = absl::StripSuffix(split.first, "\r");
  // HTTP/1.1 SP 3DIGIT SP reason; some servers leave out the space before an empty reason.
  ResponseHead response;
  int major = 0;
  if (line.size() < 12 || !ParseVersion(line.substr(0, 8), &major, &response.minor_version) || major != 1 ||
      line[8] != ' ' || (line.size() > 12 && line[12] != ' ') ||
      line.substr(9, 3).find_first_not_of("0123456789") != std::string_view::npos || line[9] == '0') {
    return absl::InvalidArgumentError(absl::StrCat("bad status line ", Quote(line)));
  }
  response.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  if (absl::Status status = ParseFields(split.second, &response.headers); !status.ok()) return status;
  return response;
}

absl::StatusOr<Framing> RequestFraming(const Headers& headers) {
  absl::StatusOr<std::optional<uint64_t>> length = ContentLength(headers);
  if (!length.ok()) return length.status();
  bool has_transfer_encoding = false;
  for (const auto& [name, value] : headers) has_transfer_encoding |= name == "transfer-encoding";
  if (has_transfer_encoding) {
    if (length->has_value()) {
      return absl::InvalidArgumentError("both Transfer-Encoding and Content-Length in a request");
    }
    std::vector<std::string_view> codings = ListElements(headers, "transfer-encoding");
    if (codings.size() != 1 || !absl::EqualsIgnoreCase(codings[0], "chunked")) {
      return absl::UnimplementedError(absl::StrCat("transfer coding ", Quote(codings.empty() ? "" : codings.front()),
                                                   " is not supported: send chunked or a Content-Length"));
    }
    return Framing{.kind = Framing::kChunked};
  }
  if (length->has_value()) return Framing{.kind = Framing::kLength, .length = **length};
  return Framing{.kind = Framing::kNone};
}

absl::StatusOr<Framing> ResponseFraming(int status, const Headers& headers) {
  if (status < 200 || status == 204 || status == 304) return Framing{.kind = Framing::kNone};
  std::vector<std::string_view> codings = ListElements(headers, "transfer-encoding");
  if (!codings.empty()) {
    // Transfer-Encoding overrides Content-Length; without chunked last, the body ends with the connection.
    if (absl::EqualsIgnoreCase(codings.back(), "chunked")) return Framing{.kind = Framing::kChunked};
    return Framing{.kind = Framing::kUntilClose};
  }
  absl::StatusOr<std::optional<uint64_t>> length = ContentLength(headers);
  if (!length.ok()) return length.status();
  if (length->has_value()) return Framing{.kind = Framing::kLength, .length = **length};
  return Framing{.kind = Framing::kUntilClose};
}

absl::StatusOr<size_t> HeadDecoder::Feed(std::string_view input) {
  auto too_long = [&] {
    return absl::ResourceExhaustedError(absl::StrCat("the message head is longer than ", max_bytes_, " bytes"));
  };
  if (done_ || input.empty()) return 0;
  started_ = true;
  size_t taken = 0;
  // Empty lines before a message are to be ignored (RFC 9112 2.2).
  while (skipping_ && taken < input.size()) {
    const char c = input[taken];
    if (c == '\n') {
      pending_cr_ = false;
    } else if (c == '\r' && !pending_cr_) {
      pending_cr_ = true;
    } else {
      // The head begins, with the CR held back if there was one.
      skipping_ = false;
      if (pending_cr_) head_ = "\r";
      break;
    }
    ++taken;
    if (++skipped_ > max_bytes_) return too_long();
  }
  if (skipping_) return taken;

  // Beyond the limit, and the CR and LF CR LF that may still end the head within it, is too long.
  const size_t room = max_bytes_ + 5 - std::min(head_.size(), max_bytes_ + 5);
  const std::string_view rest = input.substr(taken, room);
  const size_t old_size = head_.size();
  head_.append(rest);
  // The head ends with an empty line: "\n\n" or "\n\r\n".
  const std::string_view buffered(head_);
  for (size_t newline = buffered.find('\n', scanned_); newline != std::string_view::npos;
       newline = buffered.find('\n', newline + 1)) {
    const std::string_view after = buffered.substr(newline + 1);
    const size_t end_length = after.substr(0, 1) == "\n" ? 1 : after.substr(0, 2) == "\r\n" ? 2 : 0;
    if (end_length == 0) continue;
    const size_t end = newline + 1 + end_length;
    head_.resize(newline > 0 && head_[newline - 1] == '\r' ? newline - 1 : newline);
    if (head_.size() > max_bytes_) return too_long();
    done_ = true;
    return taken + (end - old_size);
  }
  if (head_.size() > max_bytes_ + 4) return too_long();
  // The last bytes may be the start of the empty line.
  scanned_ = head_.size() > 2 ? head_.size() - 2 : 0;
  return taken + rest.size();
}

absl::StatusOr<bool> ChunkedDecoder::TakeLine(std::string_view input, size_t* taken) {
  auto too_long = [&] {
    return absl::ResourceExhaustedError(absl::StrCat("a line is longer than ", max_line_bytes_, " bytes"));
  };
  const size_t newline = input.find('\n');
  const std::string_view piece = input.substr(0, newline);
  // The line, and the CR that may end it.
  if (line_.size() + piece.size() > max_line_bytes_ + 1) return too_long();
  line_.append(piece);
  if (newline == std::string_view::npos) {
    *taken = input.size();
    return false;
  }
  *taken = newline + 1;
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  if (line_.size() > max_line_bytes_) return too_long();
  return true;
}

absl::StatusOr<size_t> ChunkedDecoder::Feed(std::string_view input, std::string* body) {
  size_t taken = 0;
  while (taken < input.size() && state_ != kDone) {
    const std::string_view rest = input.substr(taken);
    if (state_ == kData) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(chunk_left_, rest.size()));
      body->append(rest.substr(0, n));
      decoded_ += n;
      chunk_left_ -= n;
      taken += n;
      if (chunk_left_ == 0) state_ = kDataEnd;
      continue;
    }
    size_t line_bytes = 0;
    absl::StatusOr<bool> whole = TakeLine(rest, &line_bytes);
    if (!whole.ok()) return whole.status();
    taken += line_bytes;
    if (!*whole) break;
    const std::string line = std::move(line_);
    line_.clear();
    if (state_ == kSizeLine) {
      // chunk-size [ BWS ";" chunk-ext ]
      std::string_view size_text = TrimOws(std::string_view(line).substr(0, line.find(';')));
      uint64_t size = 0;
      if (size_text.empty() || size_text.size() > 15 ||
          size_text.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos ||
          !absl::SimpleHexAtoi(size_text, &size)) {
        return absl::InvalidArgumentError(absl::StrCat("bad chunk size line ", Quote(line)));
      }
      if (size == 0) {
        state_ = kTrailer;
      } else if (size > max_body_bytes_ - decoded_) {
        return absl::ResourceExhaustedError(absl::StrCat("the body is longer than ", max_body_bytes_, " bytes"));
      } else {
        chunk_left_ = size;
        state_ = kData;
      }
    } else if (state_ == kDataEnd) {
      if (!line.empty()) return absl::InvalidArgumentError("chunk data not followed by a line end");
      state_ = kSizeLine;
    } else if (line.empty()) {  // kTrailer, whose fields are ignored
      state_ = kDone;
    } else {
      trailer_bytes_ += line.size();
      if (trailer_bytes_ > max_line_bytes_) {
        return absl::ResourceExhaustedError(absl::StrCat("the trailer is longer than ", max_line_bytes_, " bytes"));
      }
    }
  }
  return taken;
}

absl::StatusOr<std::optional<std::string>> ReadHead(Reader& reader, size_t max_bytes) {
  HeadDecoder decoder(max_bytes);
  absl::StatusOr<bool> complete =
      reader.Feed([&](std::string_view input) { return decoder.Feed(input); }, [&] { return decoder.done(); });
  if (!complete.ok()) return complete.status();
  if (*complete) return decoder.TakeHead();
  if (!decoder.in_head()) return std::nullopt;
  return absl::DataLossError("the connection closed in the middle of the message head");
}

absl::Status ReadChunkedBody(Reader& reader, size_t max_body_bytes, size_t max_line_bytes, std::string* body) {
  ChunkedDecoder decoder(max_body_bytes, max_line_bytes);
  absl::StatusOr<bool> complete =
      reader.Feed([&](std::string_view input) { return decoder.Feed(input, body); }, [&] { return decoder.done(); });
  if (!complete.ok()) return complete.status();
  if (!*complete) return absl::DataLossError("the connection closed in the middle of the chunked body");
  return absl::OkStatus();
}

bool HasToken(std::string_view value, std::string_view token) {
  for (std::string_view element : absl::StrSplit(value, ',')) {
    if (absl::EqualsIgnoreCase(TrimOws(element), token)) return true;
  }
  return false;
}

std::string_view ReasonPhrase(int status) {
  struct Reason {
    int status;
    std::string_view phrase;
  };
  static constexpr Reason kReasons[] = {
      {100, "Continue"},
      {200, "OK"},
      {201, "Created"},
      {202, "Accepted"},
      {204, "No Content"},
      {301, "Moved Permanently"},
      {302, "Found"},
      {304, "Not Modified"},
      {400, "Bad Request"},
      {401, "Unauthorized"},
      {403, "Forbidden"},
      {404, "Not Found"},
      {405, "Method Not Allowed"},
      {408, "Request Timeout"},
      {409, "Conflict"},
      {411, "Length Required"},
      {413, "Content Too Large"},
      {415, "Unsupported Media Type"},
      {417, "Expectation Failed"},
      {422, "Unprocessable Content"},
      {429, "Too Many Requests"},
      {431, "Request Header Fields Too Large"},
      {500, "Internal Server Error"},
      {501, "Not Implemented"},
      {502, "Bad Gateway"},
      {503, "Service Unavailable"},
      {504, "Gateway Timeout"},
      {505, "HTTP Version Not Supported"},
  };
  for (const Reason& reason : kReasons) {
    if (reason.status == status) return reason.phrase;
  }
  return "Unknown";
}

}  // namespace mig::http::internal
