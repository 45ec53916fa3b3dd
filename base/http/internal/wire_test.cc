// HTTP/1.1 syntax: what the parsers accept and refuse (and with which reason), how bodies are framed, and
// the Reader's heads, lines and chunked bodies arriving in pieces of every size.
#include "base/http/internal/wire.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/net/stream.h"
#include "catch2/catch.hpp"

namespace mig::http::internal {
namespace {

// A stream over a string, handing out at most `piece` bytes per read; then the end of the stream.
class StringStream : public Stream {
 public:
  StringStream(std::string data, size_t piece) : Stream(-1), data_(std::move(data)), piece_(piece) {}
  absl::StatusOr<Progress> TryRead(char* buffer, size_t size) override {
    size_t n = std::min({size, piece_, data_.size() - offset_});
    data_.copy(buffer, n, offset_);
    offset_ += n;
    return Progress{.bytes = n};
  }
  absl::StatusOr<Progress> TryWrite(std::string_view data) override { return Progress{.bytes = data.size()}; }

 private:
  std::string data_;
  size_t piece_;
  size_t offset_ = 0;
};

constexpr size_t kPieces[] = {1, 2, 3, 7, 1 << 20};

TEST_CASE("Request heads: what parses, and why the rest does not") {
  struct Case {
    const char* name;
    std::string head;
    const char* error;  // nullptr: parses
  };
  const Case kCases[] = {
      {"minimal", "GET / HTTP/1.1", nullptr},
      {"headers", "POST /a?b=c HTTP/1.1\r\nHost: x\r\nContent-Length: 3", nullptr},
      {"LF only", "GET / HTTP/1.1\nHost: x", nullptr},
      {"empty value", "GET / HTTP/1.1\r\nX-Empty:", nullptr},
      {"HTTP/1.0", "GET / HTTP/1.0", nullptr},
      {"HTTP/2.0 parses (505 later)", "GET / HTTP/2.0", nullptr},
      {"no version", "GET /", "bad request line"},
      {"two spaces", "GET  / HTTP/1.1", "bad request line"},
      {"trailing space", "GET / HTTP/1.1 ", "bad request line"},
      {"lowercase version", "GET / http/1.1", "bad HTTP version"},
      {"version junk", "GET / HTTP/1.12", "bad HTTP version"},
      {"absolute target", "GET http://x/ HTTP/1.1", "is not a path"},
      {"asterisk", "OPTIONS * HTTP/1.1", "is not a path"},
      {"control in target", "GET /a\x01 HTTP/1.1", "bad character in request target"},
      {"high byte in target", "GET /\xc3\xa9 HTTP/1.1", "bad character in request target"},
      {"bad method", "G(T / HTTP/1.1", "bad method"},
      {"binary", std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11), "bad request line"},
      {"no colon", "GET / HTTP/1.1\r\nHost", "header line without ':'"},
      {"space before colon", "GET / HTTP/1.1\r\nHost : x", "bad header name"},
      {"empty name", "GET / HTTP/1.1\r\n: x", "bad header name"},
      {"folded", "GET / HTTP/1.1\r\nX-A: 1\r\n 2", "folded header line"},
      {"bare CR in value", "GET / HTTP/1.1\r\nX-A: 1\r2", "bad value of header 'X-A'"},
      {"NUL in value", std::string("GET / HTTP/1.1\r\nX-A: 1\0002", 25), "bad value of header"},
  };
  for (const Case& c : kCases) {
    INFO(c.name);
    absl::StatusOr<RequestHead> head = ParseRequestHead(c.head);
    if (c.error == nullptr) {
      INFO(head.status().message());
      CHECK(head.ok());
    } else {
      REQUIRE_FALSE(head.ok());
      INFO(head.status().message());
      CHECK(absl::IsInvalidArgument(head.status()));
      CHECK(absl::StrContains(head.status().message(), c.error));
    }
  }
}

TEST_CASE("A parsed request head has its parts, header names lowercased and values trimmed") {
  absl::StatusOr<RequestHead> head =
      ParseRequestHead("PUT /x?y=%20 HTTP/1.0\r\nContent-Type:  text/plain \t\r\nX-Two: a\r\nx-two: b");
  REQUIRE(head.ok());
  CHECK(head->method == "PUT");
  CHECK(head->target == "/x?y=%20");
  CHECK(head->major_version == 1);
  CHECK(head->minor_version == 0);
  CHECK(head->headers == Headers{{"content-type", "text/plain"}, {"x-two", "a"}, {"x-two", "b"}});
}

TEST_CASE("Response heads") {
  struct Case {
    std::string head;
    int status;  // 0: refused
  };
  const Case kCases[] = {
      {"HTTP/1.1 200 OK", 200},
      {"HTTP/1.0 404 Not Found\r\nX: y", 404},
      {"HTTP/1.1 204", 204},
      {"HTTP/1.1 500 ", 500},
      {"HTTP/1.1 599 Whatever it is", 599},
      {"HTTP/1.1 100 Continue", 100},
      {"HTTP/2.0 200 OK", 0},
      {"HTTP/1.1 20 OK", 0},
      {"HTTP/1.1 2000 OK", 0},
      {"HTTP/1.1 099 X", 0},
      {"HTTP/1.1 abc", 0},
      {"HTTP/1.1  200 OK", 0},
      {"ICY 200 OK", 0},
      {"", 0},
      {"HTTP/1.1 200 OK\r\nBad Header: x", 0},
  };
  for (const Case& c : kCases) {
    INFO(c.head);
    absl::StatusOr<ResponseHead> head = ParseResponseHead(c.head);
    if (c.status == 0) {
      CHECK(absl::IsInvalidArgument(head.status()));
    } else {
      REQUIRE(head.ok());
      CHECK(head->status == c.status);
    }
  }
}

TEST_CASE("Request body framing: length, chunked, or none; conflicts refused") {
  struct Case {
    const char* name;
    Headers headers;
    Framing::Kind kind;
    uint64_t length;
    absl::StatusCode error;
  };
  const absl::StatusCode kOk = absl::StatusCode::kOk;
  const absl::StatusCode kBad = absl::StatusCode::kInvalidArgument;
  const absl::StatusCode kUnimplemented = absl::StatusCode::kUnimplemented;
  const Case kCases[] = {
      {"none", {}, Framing::kNone, 0, kOk},
      {"length", {{"content-length", "42"}}, Framing::kLength, 42, kOk},
      {"zero", {{"content-length", "0"}}, Framing::kLength, 0, kOk},
      {"repeated same", {{"content-length", "5"}, {"content-length", "5"}}, Framing::kLength, 5, kOk},
      {"list same", {{"content-length", "5, 5"}}, Framing::kLength, 5, kOk},
      {"conflicting", {{"content-length", "5"}, {"content-length", "6"}}, Framing::kNone, 0, kBad},
      {"signed", {{"content-length", "+5"}}, Framing::kNone, 0, kBad},
      {"negative", {{"content-length", "-1"}}, Framing::kNone, 0, kBad},
      {"hex", {{"content-length", "0x10"}}, Framing::kNone, 0, kBad},
      {"huge", {{"content-length", "99999999999999999999"}}, Framing::kNone, 0, kBad},
      {"empty", {{"content-length", ""}}, Framing::kNone, 0, kBad},
      {"chunked", {{"transfer-encoding", "chunked"}}, Framing::kChunked, 0, kOk},
      {"Chunked", {{"transfer-encoding", "Chunked"}}, Framing::kChunked, 0, kOk},
      {"chunked and length", {{"transfer-encoding", "chunked"}, {"content-length", "5"}}, Framing::kNone, 0, kBad},
      {"gzip", {{"transfer-encoding", "gzip, chunked"}}, Framing::kNone, 0, kUnimplemented},
      {"identity", {{"transfer-encoding", "identity"}}, Framing::kNone, 0, kUnimplemented},
      {"empty coding", {{"transfer-encoding", ""}}, Framing::kNone, 0, kUnimplemented},
  };
  for (const Case& c : kCases) {
    INFO(c.name);
    absl::StatusOr<Framing> framing = RequestFraming(c.headers);
    CHECK(framing.status().code() == c.error);
    if (framing.ok()) {
      CHECK(framing->kind == c.kind);
      CHECK(framing->length == c.length);
    }
  }
}

TEST_CASE("Response body framing") {
  struct Case {
    int status;
    Headers headers;
    Framing::Kind kind;
  };
  const Case kCases[] = {
      {200, {{"content-length", "3"}}, Framing::kLength},
      {200, {}, Framing::kUntilClose},
      {200, {{"transfer-encoding", "chunked"}, {"content-length", "3"}}, Framing::kChunked},
      {200, {{"transfer-encoding", "gzip"}}, Framing::kUntilClose},
      {204, {{"content-length", "3"}}, Framing::kNone},
      {304, {}, Framing::kNone},
      {101, {}, Framing::kNone},
  };
  for (const Case& c : kCases) {
    INFO(c.status);
    absl::StatusOr<Framing> framing = ResponseFraming(c.status, c.headers);
    REQUIRE(framing.ok());
    CHECK(framing->kind == c.kind);
  }
  CHECK(absl::IsInvalidArgument(ResponseFraming(200, {{"content-length", "x"}}).status()));
}

TEST_CASE("Reader: heads end at an empty line, after skipping empty lines, in pieces of any size") {
  struct Case {
    const char* name;
    std::string input;
    size_t max_bytes;
    std::vector<std::string> heads;  // read one after the other; then the stream ends cleanly
    absl::StatusCode error;          // of the read after `heads`
    std::string rest;                // left for ReadExactly after the last head
  };
  const absl::StatusCode kOk = absl::StatusCode::kOk;
  const Case kCases[] = {
      {"one", "GET / HTTP/1.1\r\nA: b\r\n\r\n", 100, {"GET / HTTP/1.1\r\nA: b"}, kOk, ""},
      {"LF", "GET / HTTP/1.1\nA: b\n\n", 100, {"GET / HTTP/1.1\nA: b"}, kOk, ""},
      {"with body", "H\r\n\r\nbody", 100, {"H"}, kOk, "body"},
      {"leading empty lines", "\r\n\n\r\nH\r\n\r\n", 100, {"H"}, kOk, ""},
      {"pipelined", "A\r\n\r\nB\r\nx: y\r\n\r\n", 100, {"A", "B\r\nx: y"}, kOk, ""},
      {"nothing", "", 100, {}, kOk, ""},
      {"only empty lines", "\r\n\r\n", 100, {}, kOk, ""},
      {"truncated", "GET / HTTP/1.1\r\nA: b\r\n", 100, {}, absl::StatusCode::kDataLoss, ""},
      {"too long", std::string(200, 'a') + "\r\n\r\n", 100, {}, absl::StatusCode::kResourceExhausted, ""},
      {"too long, unterminated", std::string(200, 'a'), 100, {}, absl::StatusCode::kResourceExhausted, ""},
      {"exactly at the limit", std::string(100, 'a') + "\r\n\r\n", 100, {std::string(100, 'a')}, kOk, ""},
  };
  for (size_t piece : kPieces) {
    for (const Case& c : kCases) {
      INFO(c.name << ", pieces of " << piece);
      StringStream stream(c.input, piece);
      Reader reader(&stream);
      for (const std::string& expected : c.heads) {
        absl::StatusOr<std::optional<std::string>> head = ReadHead(reader, c.max_bytes);
        INFO(head.status().message());
        REQUIRE(head.ok());
        REQUIRE(head->has_value());
        CHECK(**head == expected);
      }
      if (!c.rest.empty()) {
        std::string rest;
        REQUIRE(reader.ReadExactly(c.rest.size(), &rest).ok());
        CHECK(rest == c.rest);
      }
      absl::StatusOr<std::optional<std::string>> last = ReadHead(reader, c.max_bytes);
      CHECK(last.status().code() == c.error);
      if (last.ok()) CHECK_FALSE(last->has_value());
    }
  }
}

TEST_CASE("Reader: ReadExactly and ReadToEnd, truncation and limits") {
  for (size_t piece : kPieces) {
    INFO("pieces of " << piece);
    std::string data(100000, 'x');
    {
      StringStream stream(data, piece);
      Reader reader(&stream);
      std::string out = "prefix";
      REQUIRE(reader.ReadExactly(60000, &out).ok());
      CHECK(out.size() == 60006);
      CHECK(reader.ReadExactly(40001, &out).code() == absl::StatusCode::kDataLoss);
    }
    {
      StringStream stream(data, piece);
      Reader reader(&stream);
      std::string out;
      REQUIRE(reader.ReadToEnd(100000, &out).ok());
      CHECK(out == data);
    }
    {
      StringStream stream(data, piece);
      Reader reader(&stream);
      std::string out;
      CHECK(reader.ReadToEnd(99999, &out).code() == absl::StatusCode::kResourceExhausted);
    }
  }
}

TEST_CASE("Chunked bodies: decoded through the trailer, or refused with the reason") {
  struct Case {
    const char* name;
    std::string input;
    std::string body;
    absl::StatusCode error;
    std::string after;  // what the reader holds after the body
  };
  const absl::StatusCode kOk = absl::StatusCode::kOk;
  const absl::StatusCode kBad = absl::StatusCode::kInvalidArgument;
  const absl::StatusCode kTooLarge = absl::StatusCode::kResourceExhausted;
  const absl::StatusCode kTruncated = absl::StatusCode::kDataLoss;
  const Case kCases[] = {
      {"two chunks", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\nNEXT", "hello world", kOk, "NEXT"},
      {"empty", "0\r\n\r\n", "", kOk, ""},
      {"hex sizes", "A\r\n0123456789\r\nf\r\nabcdefghijklmno\r\n0\r\n\r\n", "0123456789abcdefghijklmno", kOk, ""},
      {"extension", "3;name=value\r\nabc\r\n0;last\r\n\r\n", "abc", kOk, ""},
      {"space before extension", "3 ;x\r\nabc\r\n0\r\n\r\n", "abc", kOk, ""},
      {"trailer", "3\r\nabc\r\n0\r\nX-Sum: 1\r\nX-More: 2\r\n\r\nNEXT", "abc", kOk, "NEXT"},
      {"LF only", "3\nabc\n0\n\n", "abc", kOk, ""},
      {"leading zeros", "0003\r\nabc\r\n0\r\n\r\n", "abc", kOk, ""},
      {"not hex", "g\r\nabc\r\n0\r\n\r\n", "", kBad, ""},
      {"empty size", "\r\nabc\r\n0\r\n\r\n", "", kBad, ""},
      {"signed size", "+3\r\nabc\r\n0\r\n\r\n", "", kBad, ""},
      {"huge size", "ffffffffffffffffff\r\n", "", kBad, ""},
      {"data longer than its size", "2\r\nabc\r\n0\r\n\r\n", "", kBad, ""},
      {"over the body limit", "400\r\n", "", kTooLarge, ""},
      {"over the limit in total", "200\r\n" + std::string(512, 'a') + "\r\n201\r\n", "", kTooLarge, ""},
      {"size line too long", std::string(300, '0') + "1\r\n", "", kTooLarge, ""},
      {"trailer too long", "0\r\nX: " + std::string(300, 'a') + "\r\n\r\n", "", kTooLarge, ""},
      {"truncated data", "5\r\nhel", "", kTruncated, ""},
      {"truncated before the last chunk", "5\r\nhello\r\n", "", kTruncated, ""},
      {"truncated in the trailer", "0\r\nX: y\r\n", "", kTruncated, ""},
  };
  for (size_t piece : kPieces) {
    for (const Case& c : kCases) {
      INFO(c.name << ", pieces of " << piece);
      StringStream stream(c.input, piece);
      Reader reader(&stream);
      std::string body;
      absl::Status status = ReadChunkedBody(reader, /*max_body_bytes=*/1023, /*max_line_bytes=*/256, &body);
      INFO(status.message());
      CHECK(status.code() == c.error);
      if (status.ok()) {
        CHECK(body == c.body);
        std::string after;
        CHECK(reader.ReadToEnd(1000, &after).ok());
        CHECK(after == c.after);
      }
    }
  }
}

TEST_CASE("Header tokens and validity") {
  CHECK(HasToken("close", "close"));
  CHECK(HasToken("Keep-Alive, Close", "close"));
  CHECK(HasToken(" upgrade ,close ", "close"));
  CHECK_FALSE(HasToken("closed", "close"));
  CHECK_FALSE(HasToken("", "close"));
  CHECK(ValidHeaderName("X-Request-Id"));
  CHECK_FALSE(ValidHeaderName("X Request"));
  CHECK_FALSE(ValidHeaderName("X:"));
  CHECK_FALSE(ValidHeaderName(""));
  CHECK(ValidHeaderValue("a\tb \xc3\xa9"));
  CHECK_FALSE(ValidHeaderValue("a\r\nSet-Cookie: x"));
  CHECK(ReasonPhrase(431) == "Request Header Fields Too Large");
  CHECK(ReasonPhrase(299) == "Unknown");
}

}  // namespace
}  // namespace mig::http::internal
