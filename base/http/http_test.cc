// The server and the client against each other, and each against raw sockets playing a misbehaving peer:
// round trips, keep-alive, concurrency, every refusal of a malformed or oversized request, timeouts,
// responses framed every way, TLS with the test PKI in testdata/ (make_certs.sh).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "base/files.h"
#include "base/http/client.h"
#include "base/http/server.h"
#include "catch2/catch.hpp"

namespace mig::http {
namespace {

std::string TestData(std::string_view name) {
  absl::StatusOr<std::string> text = ReadFileBounded(absl::StrCat("base/http/testdata/", name), 1 << 20);
  REQUIRE(text.ok());
  return *text;
}

std::unique_ptr<Server> StartServer(const ServerOptions& options, Handler handler) {
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(options, std::move(handler));
  INFO(server.status().message());
  REQUIRE(server.ok());
  return *std::move(server);
}

// Echoes the request: the body as the body, the rest in headers.
Response Echo(const Request& request) {
  return {.status = 200,
          .content_type = "text/plain",
          .body = request.body,
          .headers = {{"x-method", request.method},
                      {"x-target", request.target},
                      {"x-peer", request.peer},
                      {"x-test", std::string(request.Header("x-test").value_or(""))}}};
}

std::string Url(const Server& server, std::string_view target, std::string_view scheme = "http") {
  return absl::StrCat(scheme, "://127.0.0.1:", server.port(), target);
}

// A response as a raw client reads it.
struct RawResponse {
  int status = 0;  // 0: the connection closed (or went silent) before a whole response
  std::string head;
  std::string body;
};

// A blocking TCP client that says exactly what it is told to. Reads give up after 10 s, so that a broken
// server fails the test instead of hanging it.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port));
    REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    timeval limit{.tv_sec = 10, .tv_usec = 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  }
  ~RawClient() { close(fd_); }

  void Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;  // the server may have closed: what it answered is what the test checks
      data.remove_prefix(static_cast<size_t>(n));
    }
  }
  void ShutdownWrite() { shutdown(fd_, SHUT_WR); }

  // The next response; with `head_only`, one to HEAD, whose Content-Length describes a body not sent.
  RawResponse Read(bool head_only = false) {
    RawResponse response;
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return response;
    }
    response.head = buffer_.substr(0, end + 2);
    buffer_.erase(0, end + 4);
    size_t length = 0;
    if (size_t at = response.head.find("\r\nContent-Length: "); at != std::string::npos && !head_only) {
      length = std::strtoul(response.head.c_str() + at + 18, nullptr, 10);
    }
    while (buffer_.size() < length) {
      if (!Fill()) return response;
    }
    response.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    response.status = std::atoi(response.head.substr(9, 3).c_str());
    return response;
  }

  // Whether the server closes the connection (after anything still unread), rather than leaving it open
  // for 10 s.
  bool ServerCloses() {
    char discard[4096];
    for (;;) {
      ssize_t n = recv(fd_, discard, sizeof(discard), 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
  }

 private:
  bool Fill() {
    char chunk[16384];
    ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_;
  std::string buffer_;
};

// A server that answers one connection with a canned reply to whatever it is sent, then closes; or, with
// `hold`, keeps the connection open without answering until the test ends.
class CannedServer {
 public:
  explicit CannedServer(std::string reply, bool hold = false) {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    REQUIRE(listen(listener_, 4) == 0);
    socklen_t length = sizeof(address);
    REQUIRE(getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this, reply = std::move(reply), hold] {
      int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      timeval limit{.tv_sec = 10, .tv_usec = 0};
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
      char chunk[4096];
      while (request_.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
        if (n <= 0) break;
        request_.append(chunk, static_cast<size_t>(n));
      }
      if (hold) {
        release_.WaitForNotificationWithTimeout(absl::Seconds(30));
      } else {
        send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
      }
      close(fd);
    });
  }
  ~CannedServer() {
    release_.Notify();
    shutdown(listener_, SHUT_RDWR);  // ends an accept that no client came to
    thread_.join();
    close(listener_);
  }
  int port() const { return port_; }
  std::string Url() const { return absl::StrCat("http://127.0.0.1:", port_, "/x"); }
  // What the client sent, once the reply is read.
  const std::string& request() const { return request_; }

 private:
  int listener_;
  int port_;
  std::string request_;
  absl::Notification release_;
  std::thread thread_;
};

// A loopback port nothing listens on.
int UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  socklen_t length = sizeof(address);
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  close(fd);
  return ntohs(address.sin_port);
}

TEST_CASE("Requests and responses go through whole: methods, targets, headers, bodies of 0 bytes to 1 MiB") {
  std::unique_ptr<Server> server = StartServer({}, Echo);
  std::string mebibyte(1 << 20, '\0');
  for (size_t i = 0; i < mebibyte.size(); ++i) mebibyte[i] = static_cast<char>(i * 7 + i / 4096);
  struct Case {
    const char* method;
    const char* target;
    std::string body;
  };
  const Case kCases[] = {
      {"GET", "/", ""},
      {"GET", "/api/v1/agents?x=1&y=%20", ""},
      {"POST", "/api/v1/actions", ""},
      {"POST", "/api/v1/actions", R"({"name":"find passwd"})"},
      {"POST", "/upload", mebibyte},
      {"PUT", "/binary", std::string("\0\r\n\r\n\xff", 6)},
      {"DELETE", "/x", ""},
  };
  for (const Case& c : kCases) {
    INFO(c.method << " " << c.target << " with " << c.body.size() << " bytes");
    absl::StatusOr<Response> response =
        Fetch(Url(*server, c.target), {.method = c.method, .headers = {{"X-Test", "yes"}}, .body = c.body});
    INFO(response.status().message());
    REQUIRE(response.ok());
    CHECK(response->status == 200);
    CHECK(response->content_type == "text/plain");
    CHECK(response->Header("x-method") == c.method);
    CHECK(response->Header("x-target") == c.target);
    CHECK(response->Header("x-test") == "yes");
    CHECK(absl::StartsWith(*response->Header("x-peer"), "127.0.0.1:"));
    CHECK(response->body.size() == c.body.size());
    CHECK(response->body == c.body);
  }
}

TEST_CASE("A large response comes back whole, over plain HTTP and TLS") {
  std::string big(3 << 20, 'z');
  Handler handler = [&](const Request&) { return Response{.body = big}; };
  std::unique_ptr<Server> plain = StartServer({}, handler);
  std::unique_ptr<Server> tls =
      StartServer({.tls_cert_pem = TestData("server.crt"), .tls_key_pem = TestData("server.key")}, handler);
  absl::StatusOr<Response> response = Fetch(Url(*plain, "/"), {});
  REQUIRE(response.ok());
  CHECK(response->body == big);
  response = Fetch(Url(*tls, "/", "https"), {}, {.ca_pem = TestData("ca.crt"), .server_name = "localhost"});
  INFO(response.status().message());
  REQUIRE(response.ok());
  CHECK(response->body == big);
  CHECK(absl::IsResourceExhausted(Fetch(Url(*plain, "/"), {}, {.max_response_bytes = 1 << 20}).status()));
}

TEST_CASE("Handlers see query values decoded") {
  std::unique_ptr<Server> server = StartServer({}, [](const Request& request) {
    return Response{.body = absl::StrCat(request.Path(), "|", request.Query("target").value_or("<none>"), "|",
                                         request.Query("limit").value_or("<none>"))};
  });
  absl::StatusOr<Response> response =
      Fetch(Url(*server, "/api/v1/search?target=status%3D%27online%27+AND+x&limit=10#ignored"), {});
  REQUIRE(response.ok());
  CHECK(response->body == "/api/v1/search|status='online' AND x|10");
}

TEST_CASE("Whatever status and headers a handler returns are sent; ones that would break the message are not") {
  struct Case {
    const char* name;
    Response response;
    int status;
    bool has_content_length;
  };
  const Case kCases[] = {
      {"teapot", {.status = 418, .content_type = "", .body = "short and stout", .headers = {{"X-A", "b"}}}, 418, true},
      {"created", {.status = 201, .body = "{}", .headers = {{"location", "/api/v1/actions/1"}}}, 201, true},
      {"no content", {.status = 204}, 204, false},
      {"server error", {.status = 503, .body = R"({"error":"busy"})"}, 503, true},
      {"status 99", {.status = 99}, 500, true},
      {"interim status", {.status = 100}, 500, true},
      {"header injection", {.headers = {{"x-a", "b\r\nSet-Cookie: x=y"}}}, 500, true},
      {"bad header name", {.headers = {{"x a", "b"}}}, 500, true},
      {"own Content-Length", {.body = "abc", .headers = {{"Content-Length", "2"}}}, 500, true},
      {"own Connection", {.headers = {{"connection", "close"}}}, 500, true},
  };
  for (const Case& c : kCases) {
    INFO(c.name);
    std::unique_ptr<Server> server = StartServer({}, [&](const Request&) { return c.response; });
    RawClient raw(server->port());
    raw.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    RawResponse response = raw.Read();
    INFO(response.head);
    CHECK(response.status == c.status);
    CHECK(absl::StrContains(response.head, "\r\nContent-Length: ") == c.has_content_length);
    if (c.status == c.response.status && c.has_content_length) {
      CHECK(response.body == c.response.body);
      for (const auto& [name, value] : c.response.headers) {
        CHECK(absl::StrContains(response.head, absl::StrCat("\r\n", name, ": ", value, "\r\n")));
      }
    }
    if (c.status == 500) CHECK(absl::StrContains(response.body, "\"error\""));
    // The connection stays usable.
    raw.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(raw.Read().status == c.status);
  }
}

TEST_CASE("One keep-alive connection carries many requests, one after the other or pipelined") {
  std::unique_ptr<Server> server = StartServer({}, Echo);
  RawClient raw(server->port());
  std::string peer;
  for (int i = 0; i < 100; ++i) {
    std::string body = absl::StrCat("request ", i);
    raw.Send(absl::StrCat("POST /n/", i, " HTTP/1.1\r\nHost: x\r\nContent-Length: ", body.size(), "\r\n\r\n", body));
    RawResponse response = raw.Read();
    REQUIRE(response.status == 200);
    CHECK(response.body == body);
    CHECK_FALSE(absl::StrContains(response.head, "Connection: close"));
    // The same client port every time: the same connection.
    size_t at = response.head.find("x-peer: ");
    REQUIRE(at != std::string::npos);
    std::string this_peer = response.head.substr(at, response.head.find("\r\n", at) - at);
    if (i == 0) peer = this_peer;
    CHECK(this_peer == peer);
  }
  std::string pipelined;
  for (int i = 0; i < 20; ++i) absl::StrAppend(&pipelined, "GET /p/", i, " HTTP/1.1\r\nHost: x\r\n\r\n");
  raw.Send(pipelined);
  for (int i = 0; i < 20; ++i) {
    RawResponse response = raw.Read();
    REQUIRE(response.status == 200);
    CHECK(absl::StrContains(response.head, absl::StrCat("x-target: /p/", i, "\r\n")));
  }
  // Connection: close is honoured.
  raw.Send("GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  RawResponse last = raw.Read();
  CHECK(last.status == 200);
  CHECK(absl::StrContains(last.head, "\r\nConnection: close\r\n"));
  CHECK(raw.ServerCloses());
}

TEST_CASE("HEAD gets the head of the response, without its body") {
  std::unique_ptr<Server> server = StartServer({}, [](const Request&) { return Response{.body = "twelve bytes"}; });
  RawClient raw(server->port());
  raw.Send("HEAD /h HTTP/1.1\r\n\r\nGET /g HTTP/1.1\r\n\r\n");
  RawResponse head = raw.Read(/*head_only=*/true);
  CHECK(head.status == 200);
  CHECK(absl::StrContains(head.head, "\r\nContent-Length: 12\r\n"));
  RawResponse get = raw.Read();  // right after the head: no body came in between
  CHECK(get.status == 200);
  CHECK(get.body == "twelve bytes");
  absl::StatusOr<Response> fetched = Fetch(Url(*server, "/h"), {.method = "HEAD"});
  REQUIRE(fetched.ok());
  CHECK(fetched->Header("content-length") == "12");
  CHECK(fetched->body.empty());
}

TEST_CASE("HTTP/1.0 closes unless asked to keep alive") {
  std::unique_ptr<Server> server = StartServer({}, Echo);
  {
    RawClient raw(server->port());
    raw.Send("GET / HTTP/1.0\r\n\r\n");
    RawResponse response = raw.Read();
    CHECK(response.status == 200);
    CHECK(absl::StrContains(response.head, "Connection: close"));
    CHECK(raw.ServerCloses());
  }
  {
    RawClient raw(server->port());
    raw.Send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    RawResponse response = raw.Read();
    CHECK(response.status == 200);
    CHECK(absl::StrContains(response.head, "Connection: keep-alive"));
    raw.Send("GET /b HTTP/1.0\r\n\r\n");
    CHECK(raw.Read().status == 200);
    CHECK(raw.ServerCloses());
  }
}

TEST_CASE("Bodies sent chunked, after 100-continue, or with bare LF line ends are read") {
  std::unique_ptr<Server> server = StartServer({}, Echo);
  RawClient raw(server->port());
  raw.Send(
      "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n");
  RawResponse chunked = raw.Read();
  CHECK(chunked.status == 200);
  CHECK(chunked.body == "hello world");

  raw.Send("POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  RawResponse interim = raw.Read();
  CHECK(interim.status == 100);
  raw.Send("body");
  RawResponse after = raw.Read();
  CHECK(after.status == 200);
  CHECK(after.body == "body");

  raw.Send("POST /lf HTTP/1.1\nHost: x\nContent-Length: 2\n\nok");
  RawResponse lf = raw.Read();
  CHECK(lf.status == 200);
  CHECK(lf.body == "ok");
}

TEST_CASE("Malformed and oversized requests are refused with the status and a JSON reason, then closed") {
  std::atomic<int> handled{0};
  std::unique_ptr<Server> server =
      StartServer({.max_header_bytes = 1024, .max_body_bytes = 1024}, [&](const Request& request) {
        ++handled;
        return Echo(request);
      });
  struct Case {
    const char* name;
    std::string request;
    int status;
    const char* reason;  // a part of the error
  };
  const Case kCases[] = {
      {"garbage request line", "GARBAGE\r\n\r\n", 400, "bad request line"},
      {"TLS to a plain server", std::string("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n", 15), 400,
       "bad request line"},
      {"bad version", "GET / HTTP/1.x\r\n\r\n", 400, "bad HTTP version"},
      {"absolute target", "GET http://example.com/ HTTP/1.1\r\n\r\n", 400, "is not a path"},
      {"bad header", "GET / HTTP/1.1\r\nNo colon here\r\n\r\n", 400, "without ':'"},
      {"header too large", absl::StrCat("GET / HTTP/1.1\r\nX-Big: ", std::string(2000, 'a'), "\r\n\r\n"), 431,
       "longer than 1024 bytes"},
      {"request line too large", absl::StrCat("GET /", std::string(5000, 'a'), " HTTP/1.1\r\n\r\n"), 431,
       "longer than 1024"},
      {"body too large", "POST / HTTP/1.1\r\nContent-Length: 1025\r\n\r\nabc", 413, "longer than 1024 bytes"},
      {"body too large, expecting 100-continue",
       "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n", 413, "longer than 1024"},
      {"chunked body too large", absl::StrCat("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n401\r\n"), 413,
       "longer than 1024"},
      {"bad chunk", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", 400, "bad chunk size"},
      {"bad Content-Length", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "bad Content-Length"},
      {"two Content-Lengths", "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400,
       "conflicting"},
      {"chunked and Content-Length", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400,
       "both"},
      {"gzip transfer coding", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "not supported"},
      {"HTTP/2", "GET / HTTP/2.0\r\n\r\n", 505, "HTTP/1.1"},
      {"unknown expectation", "GET / HTTP/1.1\r\nExpect: miracles\r\n\r\n", 417, "100-continue"},
  };
  for (const Case& c : kCases) {
    INFO(c.name);
    RawClient raw(server->port());
    raw.Send(c.request);
    RawResponse response = raw.Read();
    INFO(response.head << response.body);
    CHECK(response.status == c.status);
    CHECK(absl::StrContains(response.head, "Content-Type: application/json"));
    CHECK(absl::StartsWith(response.body, "{\"error\":\""));
    CHECK(absl::StrContains(response.body, c.reason));
    CHECK(absl::StrContains(response.head, "Connection: close"));
    CHECK(raw.ServerCloses());
  }
  CHECK(handled == 0);
  // Still serving.
  absl::StatusOr<Response> response = Fetch(Url(*server, "/"), {});
  REQUIRE(response.ok());
  CHECK(response->status == 200);
}

TEST_CASE("A client that stops in the middle of a request gets no response; the server goes on") {
  std::atomic<int> handled{0};
  std::unique_ptr<Server> server = StartServer({}, [&](const Request& request) {
    ++handled;
    return Echo(request);
  });
  const std::string kTruncated[] = {
      "POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nonly ten b",
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc",
      "GET / HTTP/1.1\r\nHost: x\r\n",
      "GET / HTT",
  };
  for (const std::string& request : kTruncated) {
    INFO(request);
    RawClient raw(server->port());
    raw.Send(request);
    raw.ShutdownWrite();
    RawResponse response = raw.Read();
    CHECK(response.status == 0);
    CHECK(response.head.empty());
  }
  CHECK(handled == 0);
  absl::StatusOr<Response> response = Fetch(Url(*server, "/"), {});
  REQUIRE(response.ok());
  CHECK(response->status == 200);
}

TEST_CASE("Silent clients are dropped after idle_timeout, slow ones get 408 after request_timeout") {
  std::unique_ptr<Server> server = StartServer(
      {.idle_timeout = absl::Milliseconds(300), .request_timeout = absl::Milliseconds(300), .threads = 1}, Echo);
  const absl::Time start = absl::Now();
  RawClient silent(server->port());
  RawClient idle_after_request(server->port());
  idle_after_request.Send("GET / HTTP/1.1\r\n\r\n");
  CHECK(idle_after_request.Read().status == 200);
  RawClient slow(server->port());
  slow.Send("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
  RawResponse timed_out = slow.Read();
  CHECK(timed_out.status == 408);
  CHECK(absl::StrContains(timed_out.body, "not received within"));
  CHECK(slow.ServerCloses());
  CHECK(silent.ServerCloses());
  CHECK(idle_after_request.ServerCloses());
  CHECK(absl::Now() - start < absl::Seconds(5));
  // One worker, and it is free.
  absl::StatusOr<Response> response = Fetch(Url(*server, "/"), {});
  REQUIRE(response.ok());
  CHECK(response->status == 200);
}

TEST_CASE("Idle keep-alive connections hold no worker") {
  std::unique_ptr<Server> server = StartServer({.threads = 1}, Echo);
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 10; ++i) {
    idle.push_back(std::make_unique<RawClient>(server->port()));
    idle.back()->Send("GET / HTTP/1.1\r\n\r\n");
    REQUIRE(idle.back()->Read().status == 200);
  }
  for (auto& raw : idle) {
    raw->Send("GET /again HTTP/1.1\r\n\r\n");
    CHECK(raw->Read().status == 200);
  }
  absl::StatusOr<Response> response = Fetch(Url(*server, "/"), {});
  REQUIRE(response.ok());
  CHECK(response->status == 200);
}

TEST_CASE("Connections beyond max_connections are answered 503") {
  std::unique_ptr<Server> server = StartServer({.max_connections = 2}, Echo);
  RawClient first(server->port());
  RawClient second(server->port());
  first.Send("GET / HTTP/1.1\r\n\r\n");
  CHECK(first.Read().status == 200);
  second.Send("GET / HTTP/1.1\r\n\r\n");
  CHECK(second.Read().status == 200);
  RawClient third(server->port());
  RawResponse refused = third.Read();
  CHECK(refused.status == 503);
  CHECK(absl::StrContains(refused.body, "too many connections"));
  CHECK(third.ServerCloses());
}

TEST_CASE("Many clients at once: 16 threads of 50 requests each, on 4 workers") {
  std::atomic<int> handled{0};
  std::unique_ptr<Server> server = StartServer({.threads = 4}, [&](const Request& request) {
    ++handled;
    return Echo(request);
  });
  constexpr int kThreads = 16;
  constexpr int kRequests = 50;
  std::atomic<int> ok{0};
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRequests; ++i) {
        std::string body = absl::StrCat("thread ", t, " request ", i, std::string(i * 100, '.'));
        absl::StatusOr<Response> response =
            Fetch(Url(*server, absl::StrCat("/t/", t, "?i=", i)), {.method = "POST", .body = body});
        if (!response.ok()) {
          failures[t] = std::string(response.status().message());
        } else if (response->status != 200 || response->body != body) {
          failures[t] = absl::StrCat("wrong response to ", body);
        } else {
          ++ok;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const std::string& failure : failures) CHECK(failure == "");
  CHECK(ok == kThreads * kRequests);
  CHECK(handled == kThreads * kRequests);
}

TEST_CASE("Stop answers the requests in handlers, then refuses connections") {
  absl::Notification entered;
  absl::Notification release;
  std::unique_ptr<Server> server = StartServer({}, [&](const Request& request) {
    entered.Notify();
    release.WaitForNotificationWithTimeout(absl::Seconds(20));
    return Echo(request);
  });
  const int port = server->port();
  RawClient idle(port);
  RawClient in_flight(port);
  in_flight.Send("GET /slow HTTP/1.1\r\n\r\n");
  REQUIRE(entered.WaitForNotificationWithTimeout(absl::Seconds(10)));
  std::thread stopper([&] { server->Stop(); });
  // Stop has begun once it has closed the idle connection: only then is the handler let go, so that its
  // response is the one a stopping server sends.
  CHECK(idle.ServerCloses());
  release.Notify();
  RawResponse response = in_flight.Read();
  stopper.join();
  CHECK(response.status == 200);
  CHECK(absl::StrContains(response.head, "Connection: close"));
  CHECK(in_flight.ServerCloses());
  absl::StatusOr<Response> refused = Fetch(absl::StrCat("http://127.0.0.1:", port, "/"), {});
  INFO(refused.status().message());
  CHECK(absl::IsUnavailable(refused.status()));
  server->Stop();  // again: nothing happens
}

TEST_CASE("The client reads responses framed every way, and refuses malformed ones") {
  struct Case {
    const char* name;
    std::string reply;
    absl::StatusCode code;
    int status;
    std::string body;
  };
  const absl::StatusCode kOk = absl::StatusCode::kOk;
  const Case kCases[] = {
      {"Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/x\r\n\r\nhello", kOk, 200,
       "hello"},
      {"chunked",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
       "4\r\nWiki\r\n6;ext=1\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nX-Trailer: t\r\n\r\n",
       kOk, 200, "Wikipedia in \r\n\r\nchunks."},
      {"chunked, LF only", "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n2\nok\n0\n\n", kOk, 200, "ok"},
      {"until close", "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it", kOk, 200, "all of it"},
      {"HTTP/1.0", "HTTP/1.0 404 Not Found\r\n\r\n", kOk, 404, ""},
      {"interim responses first",
       "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\n"
       "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}",
       kOk, 201, "{}"},
      {"no content", "HTTP/1.1 204 No Content\r\n\r\n", kOk, 204, ""},
      {"bad status line", "HTTP/1.1 OK\r\n\r\n", absl::StatusCode::kDataLoss, 0, ""},
      {"not HTTP", "SSH-2.0-OpenSSH_9.2\r\n\r\n", absl::StatusCode::kDataLoss, 0, ""},
      {"bad Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", absl::StatusCode::kDataLoss, 0, ""},
      {"truncated body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", absl::StatusCode::kDataLoss, 0, ""},
      {"truncated chunked body", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
       absl::StatusCode::kDataLoss, 0, ""},
      {"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", absl::StatusCode::kDataLoss, 0,
       ""},
      {"truncated head", "HTTP/1.1 200 OK\r\nContent-", absl::StatusCode::kDataLoss, 0, ""},
      {"no response at all", "", absl::StatusCode::kUnavailable, 0, ""},
      {"too large", absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n", std::string(5000, 'x')),
       absl::StatusCode::kResourceExhausted, 0, ""},
      {"too large, chunked", absl::StrCat("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n"),
       absl::StatusCode::kResourceExhausted, 0, ""},
  };
  for (const Case& c : kCases) {
    INFO(c.name);
    CannedServer canned(c.reply);
    absl::StatusOr<Response> response = Fetch(canned.Url(), {}, {.max_response_bytes = 4096});
    INFO(response.status().message());
    CHECK(response.status().code() == c.code);
    if (response.ok()) {
      CHECK(response->status == c.status);
      CHECK(response->body == c.body);
    } else {
      CHECK(
          absl::StrContains(response.status().message(), absl::StrCat("GET http://127.0.0.1:", canned.port(), "/x: ")));
    }
  }
}

TEST_CASE("The client sends a well-formed request") {
  CannedServer canned("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  absl::StatusOr<Response> response =
      Fetch(absl::StrCat("http://127.0.0.1:", canned.port(), "/api/v1/x?a=b#fragment"),
            {.method = "POST", .target = "/ignored", .headers = {{"Content-Type", "application/json"}}, .body = "{}"});
  REQUIRE(response.ok());
  CHECK(canned.request() == absl::StrCat("POST /api/v1/x?a=b HTTP/1.1\r\nHost: 127.0.0.1:", canned.port(),
                                         "\r\nContent-Length: 2\r\nConnection: close\r\n"
                                         "Content-Type: application/json\r\n\r\n{}"));
}

TEST_CASE("Client errors: bad URLs and requests, refused connections, timeouts") {
  struct Case {
    std::string url;
    Request request;
    const char* reason;
  };
  const Case kCases[] = {
      {"127.0.0.1:80/x", {}, "no scheme"},
      {"ftp://127.0.0.1/x", {}, "the scheme must be http or https"},
      {"http:///x", {}, "no host"},
      {"http://127.0.0.1:0/", {}, "'0' is not a port"},
      {"http://127.0.0.1:65536/", {}, "'65536' is not a port"},
      {"http://127.0.0.1:8x/", {}, "'8x' is not a port"},
      {"http://user:pw@127.0.0.1/", {}, "credentials"},
      {"http://::1/", {}, "brackets"},
      {"http://[::1/", {}, "unterminated"},
      {"http://127.0.0.1/a b", {}, "percent-encode"},
      {"http://127.0.0.1/", {.method = "GE T"}, "bad method"},
      {"http://127.0.0.1/", {.headers = {{"x", "a\r\nb: c"}}}, "bad header"},
      {"http://127.0.0.1/", {.headers = {{"Host", "other"}}}, "set by Fetch"},
      {"https://127.0.0.1/", {}, "ca_pem"},
  };
  for (const Case& c : kCases) {
    INFO(c.url);
    absl::StatusOr<Response> response = Fetch(c.url, c.request);
    INFO(response.status().message());
    CHECK(absl::IsInvalidArgument(response.status()));
    CHECK(absl::StrContains(response.status().message(), c.reason));
  }
  CHECK(absl::IsInvalidArgument(Fetch("https://127.0.0.1/", {}, {.ca_pem = "not a certificate"}).status()));

  const int port = UnusedPort();
  absl::StatusOr<Response> refused = Fetch(absl::StrCat("http://127.0.0.1:", port, "/x"), {});
  INFO(refused.status().message());
  CHECK(absl::IsUnavailable(refused.status()));
  CHECK(absl::StrContains(refused.status().message(), absl::StrCat("127.0.0.1:", port)));
  CHECK(absl::StrContains(refused.status().message(), "refused"));

  CannedServer silent("", /*hold=*/true);
  const absl::Time start = absl::Now();
  absl::StatusOr<Response> late = Fetch(silent.Url(), {}, {.timeout = absl::Milliseconds(200)});
  INFO(late.status().message());
  CHECK(absl::IsDeadlineExceeded(late.status()));
  CHECK(absl::StrContains(late.status().message(), absl::StrCat("127.0.0.1:", silent.port())));
  CHECK(absl::StrContains(late.status().message(), "timed out after 200ms"));
  CHECK(absl::Now() - start < absl::Seconds(5));
}

TEST_CASE("A handler slower than the client's timeout: DeadlineExceeded, and the server survives it") {
  absl::Notification release;
  std::unique_ptr<Server> server = StartServer({}, [&](const Request& request) {
    if (request.target == "/slow") release.WaitForNotificationWithTimeout(absl::Seconds(20));
    return Echo(request);
  });
  const absl::Time start = absl::Now();
  absl::StatusOr<Response> late = Fetch(Url(*server, "/slow"), {}, {.timeout = absl::Milliseconds(200)});
  CHECK(absl::IsDeadlineExceeded(late.status()));
  CHECK(absl::Now() - start < absl::Seconds(5));
  release.Notify();
  absl::StatusOr<Response> response = Fetch(Url(*server, "/fast"), {});
  REQUIRE(response.ok());
  CHECK(response->status == 200);
}

TEST_CASE("A refused upload gets its 413, not a broken pipe") {
  std::unique_ptr<Server> server = StartServer({.max_body_bytes = 1024}, Echo);
  absl::StatusOr<Response> response =
      Fetch(Url(*server, "/upload"), {.method = "POST", .body = std::string(4 << 20, 'u')});
  INFO(response.status().message());
  REQUIRE(response.ok());
  CHECK(response->status == 413);
}

TEST_CASE("HTTPS: round trips with a verified server; a server the CA did not sign is refused") {
  std::unique_ptr<Server> server =
      StartServer({.tls_cert_pem = TestData("server.crt"), .tls_key_pem = TestData("server.key")}, Echo);
  const ClientOptions good{.ca_pem = TestData("ca.crt"), .server_name = "localhost"};
  for (size_t size : {size_t{0}, size_t{100}, size_t{1} << 20}) {
    INFO(size << " bytes");
    std::string body(size, 's');
    absl::StatusOr<Response> response =
        Fetch(Url(*server, "/secure?x=1", "https"), {.method = "POST", .body = body}, good);
    INFO(response.status().message());
    REQUIRE(response.ok());
    CHECK(response->status == 200);
    CHECK(response->body == body);
    CHECK(response->Header("x-target") == "/secure?x=1");
  }

  struct Case {
    const char* name;
    ClientOptions options;
    const char* reason;
  };
  const Case kCases[] = {
      {"other CA", {.ca_pem = TestData("other_ca.crt"), .server_name = "localhost"}, "not correctly signed"},
      {"other name", {.ca_pem = TestData("ca.crt"), .server_name = "scheduler.example.net"}, "expected name"},
      {"IP address as the name", {.ca_pem = TestData("ca.crt")}, "DNS names only"},
  };
  for (const Case& c : kCases) {
    INFO(c.name);
    absl::StatusOr<Response> response = Fetch(Url(*server, "/", "https"), {}, c.options);
    INFO(response.status().message());
    CHECK(absl::IsUnauthenticated(response.status()));
    CHECK(absl::StrContains(response.status().message(), absl::StrCat("https://127.0.0.1:", server->port())));
    CHECK(absl::StrContains(response.status().message(), c.reason));
  }

  // Plain HTTP to the TLS port, and TLS to a plain port: errors, not hangs.
  absl::StatusOr<Response> plain_to_tls = Fetch(Url(*server, "/"), {}, {.timeout = absl::Seconds(10)});
  CHECK_FALSE(plain_to_tls.ok());
  std::unique_ptr<Server> plain = StartServer({.request_timeout = absl::Milliseconds(300)}, Echo);
  absl::StatusOr<Response> tls_to_plain = Fetch(Url(*plain, "/", "https"), {}, good);
  INFO(tls_to_plain.status().message());
  CHECK(absl::IsUnavailable(tls_to_plain.status()));
  // The TLS server still serves.
  CHECK(Fetch(Url(*server, "/", "https"), {}, good).ok());
}

TEST_CASE("HTTPS from several clients at once") {
  std::unique_ptr<Server> server =
      StartServer({.threads = 2, .tls_cert_pem = TestData("server.crt"), .tls_key_pem = TestData("server.key")}, Echo);
  const ClientOptions good{.ca_pem = TestData("ca.crt"), .server_name = "localhost"};
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) ok += Fetch(Url(*server, "/", "https"), {}, good).ok() ? 1 : 0;
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(ok == 40);
}

TEST_CASE("IPv6 loopback") {
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Start({.host = "::1"}, Echo);
  if (!server.ok()) {
    WARN("no IPv6 loopback here: " << server.status().message());
    return;
  }
  absl::StatusOr<Response> response = Fetch(absl::StrCat("http://[::1]:", (*server)->port(), "/six"), {});
  INFO(response.status().message());
  REQUIRE(response.ok());
  CHECK(absl::StartsWith(*response->Header("x-peer"), "[::1]:"));
}

TEST_CASE("Bad server options are refused with the reason") {
  struct Case {
    const char* name;
    ServerOptions options;
    const char* reason;
  };
  const Case kCases[] = {
      {"host name", {.host = "localhost"}, "not an IPv4 or IPv6 address"},
      {"port", {.port = 70000}, "bad port"},
      {"threads", {.threads = 0}, "threads"},
      {"timeout", {.idle_timeout = absl::ZeroDuration()}, "timeouts"},
      {"certificate without key", {.tls_cert_pem = "x"}, "both"},
      {"bad certificate", {.tls_cert_pem = "x", .tls_key_pem = "y"}, "server certificate"},
  };
  for (const Case& c : kCases) {
    INFO(c.name);
    absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(c.options, Echo);
    INFO(server.status().message());
    CHECK(absl::IsInvalidArgument(server.status()));
    CHECK(absl::StrContains(server.status().message(), c.reason));
  }
  CHECK(absl::IsInvalidArgument(Server::Start({}, nullptr).status()));
}

}  // namespace
}  // namespace mig::http
