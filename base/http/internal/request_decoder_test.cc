// The server's request decoding from bytes in pieces of every size: whole requests with their framing and
// keep-alive, pipelined ones, the stop at the end of the head, and every refusal with its status.
#include "base/http/internal/request_decoder.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"

namespace mig::http::internal {
namespace {

constexpr size_t kPieces[] = {1, 2, 3, 7, 1 << 20};
constexpr size_t kMaxHeader = 256;
constexpr size_t kMaxBody = 1024;

// What decoding `input` in pieces of `piece` bytes came to: the requests, then the refusal if any, and the
// bytes left over.
struct Outcome {
  std::vector<RequestDecoder::Decoded> requests;
  Refusal refusal;
  RequestDecoder::Stage stage = RequestDecoder::Stage::kHead;
  bool started = false;
  std::string left;
};

Outcome Decode(std::string_view input, size_t piece) {
  RequestDecoder decoder(kMaxHeader, kMaxBody);
  Outcome outcome;
  std::string buffered;
  while (!input.empty() || !buffered.empty()) {
    const size_t n = std::min(piece, input.size());
    buffered.append(input.substr(0, n));
    input.remove_prefix(n);
    // As the server does: feed until the decoder takes nothing more.
    for (;;) {
      const size_t taken = decoder.Feed(buffered);
      buffered.erase(0, taken);
      if (decoder.stage() == RequestDecoder::Stage::kComplete) {
        outcome.requests.push_back(decoder.Take());
        continue;
      }
      if (taken == 0 || buffered.empty()) break;
    }
    if (decoder.stage() == RequestDecoder::Stage::kRefused) {
      outcome.refusal = decoder.refusal();
      break;
    }
    if (n == 0) break;  // nothing more to give; what is buffered stays
  }
  outcome.stage = decoder.stage();
  outcome.started = decoder.started();
  outcome.left = buffered;
  return outcome;
}

TEST_CASE("Whole requests in pieces of any size: head, Content-Length and chunked bodies, keep-alive") {
  struct Case {
    const char* name;
    std::string input;
    const char* method;
    const char* target;
    std::string body;
    bool keep_alive;
    int minor_version;
  };
  const Case kCases[] = {
      {"GET", "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n", "GET", "/api/v1/health", "", true, 1},
      {"LF only", "GET / HTTP/1.1\nHost: x\n\n", "GET", "/", "", true, 1},
      {"empty lines first", "\r\n\r\nGET / HTTP/1.1\r\n\r\n", "GET", "/", "", true, 1},
      {"Content-Length", "POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", "POST", "/a", "hello", true, 1},
      {"zero length", "POST /a HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "POST", "/a", "", true, 1},
      {"binary body", std::string("PUT /b HTTP/1.1\r\nContent-Length: 6\r\n\r\n\0\r\n\r\n\xff", 44), "PUT", "/b",
       std::string("\0\r\n\r\n\xff", 6), true, 1},
      {"chunked",
       "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nT: 1\r\n\r\n",
       "POST", "/c", "hello world", true, 1},
      {"Connection: close", "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", "GET", "/", "", false, 1},
      {"HTTP/1.0", "GET / HTTP/1.0\r\n\r\n", "GET", "/", "", false, 0},
      {"HTTP/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "GET", "/", "", true, 0},
      {"body at the limit", absl::StrCat("POST / HTTP/1.1\r\nContent-Length: 1024\r\n\r\n", std::string(1024, 'b')),
       "POST", "/", std::string(1024, 'b'), true, 1},
  };
  for (size_t piece : kPieces) {
    for (const Case& c : kCases) {
      INFO(c.name << ", pieces of " << piece);
      Outcome outcome = Decode(c.input, piece);
      INFO(outcome.refusal.message);
      REQUIRE(outcome.requests.size() == 1);
      const RequestDecoder::Decoded& decoded = outcome.requests[0];
      CHECK(decoded.request.method == c.method);
      CHECK(decoded.request.target == c.target);
      CHECK(decoded.request.body == c.body);
      CHECK(decoded.keep_alive == c.keep_alive);
      CHECK(decoded.minor_version == c.minor_version);
      CHECK(outcome.left.empty());
      CHECK(outcome.stage == RequestDecoder::Stage::kHead);
      CHECK_FALSE(outcome.started);
    }
  }
}

TEST_CASE("Pipelined requests come out one after the other; a partial one waits, started") {
  const std::string input =
      "GET /1 HTTP/1.1\r\n\r\nPOST /2 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcPOST /3 HTTP/1.1\r\n"
      "Transfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\nGET /4 HT";
  for (size_t piece : kPieces) {
    INFO("pieces of " << piece);
    Outcome outcome = Decode(input, piece);
    REQUIRE(outcome.requests.size() == 3);
    CHECK(outcome.requests[0].request.target == "/1");
    CHECK(outcome.requests[1].request.body == "abc");
    CHECK(outcome.requests[2].request.body == "z");
    CHECK(outcome.stage == RequestDecoder::Stage::kHead);
    CHECK(outcome.started);
    CHECK(outcome.left.empty());  // taken into the head decoder
  }
}

TEST_CASE("The decoder stops at the end of the head, before the body, and says whether 100 Continue is awaited") {
  struct Case {
    const char* name;
    std::string head;
    bool expects_continue;
  };
  const Case kCases[] = {
      {"plain body", "POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\n", false},
      {"100-continue", "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n", true},
      {"100-continue, chunked", "POST / HTTP/1.1\r\nExpect: 100-Continue\r\nTransfer-Encoding: chunked\r\n\r\n", true},
      {"HTTP/1.0 has no 1xx", "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n", false},
  };
  for (const Case& c : kCases) {
    INFO(c.name);
    RequestDecoder decoder(kMaxHeader, kMaxBody);
    const std::string input = c.head + "body";
    const size_t taken = decoder.Feed(input);
    CHECK(taken == c.head.size());
    CHECK(decoder.stage() == RequestDecoder::Stage::kBody);
    CHECK(decoder.expects_continue() == c.expects_continue);
    CHECK(decoder.body_bytes() == 0);
  }
}

TEST_CASE("Refusals: the status to answer and the reason, whatever the pieces") {
  struct Case {
    const char* name;
    std::string input;
    int status;
    const char* reason;
  };
  const Case kCases[] = {
      {"garbage", "GARBAGE\r\n\r\n", 400, "bad request line"},
      {"bad header", "GET / HTTP/1.1\r\nNo colon\r\n\r\n", 400, "without ':'"},
      {"head too long", absl::StrCat("GET / HTTP/1.1\r\nX: ", std::string(300, 'a'), "\r\n\r\n"), 431,
       "longer than 256 bytes"},
      {"head too long, unterminated", std::string(300, 'a'), 431, "longer than 256"},
      {"empty lines too long", std::string(300, '\n'), 431, "longer than 256"},
      {"HTTP/2", "GET / HTTP/2.0\r\n\r\n", 505, "HTTP/1.1"},
      {"bad Content-Length", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "bad Content-Length"},
      {"both framings", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400, "both"},
      {"gzip", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "not supported"},
      {"body too long", "POST / HTTP/1.1\r\nContent-Length: 1025\r\n\r\n", 413, "longer than 1024 bytes"},
      {"body too long before 100-continue", "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n",
       413, "longer than 1024"},
      {"unknown expectation", "GET / HTTP/1.1\r\nExpect: miracles\r\n\r\n", 417, "100-continue"},
      {"chunked too long", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n401\r\n", 413, "longer than 1024"},
      {"chunked too long in total",
       absl::StrCat("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n200\r\n", std::string(512, 'a'),
                    "\r\n201\r\n"),
       413, "longer than 1024"},
      {"bad chunk size", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", 400, "bad chunk size"},
      {"chunk longer than its size", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", 400,
       "not followed by a line end"},
      {"trailer too long",
       absl::StrCat("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: ", std::string(300, 't'), "\r\n"),
       413, "longer than 1024"},
  };
  for (size_t piece : kPieces) {
    for (const Case& c : kCases) {
      INFO(c.name << ", pieces of " << piece);
      Outcome outcome = Decode(c.input, piece);
      CHECK(outcome.requests.empty());
      CHECK(outcome.stage == RequestDecoder::Stage::kRefused);
      CHECK(outcome.refusal.status == c.status);
      INFO(outcome.refusal.message);
      CHECK(absl::StrContains(outcome.refusal.message, c.reason));
    }
  }
}

TEST_CASE("A request cut short stays incomplete, started, and takes every byte it is given") {
  const std::string kTruncated[] = {
      "G",
      "\r\n",
      "GET / HTT",
      "GET / HTTP/1.1\r\nHost: x\r\n",
      "POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nonly ten b",
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc",
  };
  for (size_t piece : kPieces) {
    for (const std::string& input : kTruncated) {
      INFO(input << ", pieces of " << piece);
      Outcome outcome = Decode(input, piece);
      CHECK(outcome.requests.empty());
      CHECK((outcome.stage == RequestDecoder::Stage::kHead || outcome.stage == RequestDecoder::Stage::kBody));
      CHECK(outcome.started);
      CHECK(outcome.left.empty());
    }
  }
}

}  // namespace
}  // namespace mig::http::internal
