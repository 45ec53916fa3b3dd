// The HTTP server (the scheduler's API) against clients that attack it with time and numbers instead of bad
// bytes: a thousand connections that send half a request line and stall, trickle one byte at a time, stall
// in a body or a TLS handshake, or never read their response, from several source addresses; while a fresh
// client's health requests must still be answered, every one well within the server's own timeouts. Then
// the limits on connections (per address and in all), the deadlines that trickling bytes cannot extend, and
// the memory that slow uploads can hold. Everything runs on loopback (127.0.0.x) and ends in well under a
// minute.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/files.h"
#include "base/http/client.h"
#include "base/http/server.h"
#include "base/net/stream.h"
#include "base/net/tls.h"
#include "catch2/catch.hpp"

namespace mig::http {
namespace {

// Far below the server's timeouts in the tests that hold slow clients (60 s): a server that made a fresh
// client wait for a slow one would miss it by far, without any tight bound on a loaded machine.
constexpr absl::Duration kClientTimeout = absl::Seconds(10);
// How long the tests with short deadlines wait for the server to act before they call it a failure.
constexpr absl::Duration kGiveUp = absl::Seconds(20);
constexpr absl::Duration kLong = absl::Seconds(60);
// /big: more than the kernel buffers for a client that reads nothing; /medium: for many such clients at once.
constexpr size_t kBigResponse = 8 << 20;
constexpr size_t kMediumResponse = 256 << 10;

std::string TestData(std::string_view name) {
  absl::StatusOr<std::string> text = ReadFileBounded(absl::StrCat("base/http/testdata/", name), 1 << 20);
  REQUIRE(text.ok());
  return *text;
}

// A thousand client sockets and as many server sockets, in this one process: 2,200 descriptors with the rest.
void RaiseFileLimit() {
  rlimit limit{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &limit) == 0);
  limit.rlim_cur = limit.rlim_max;
  REQUIRE(setrlimit(RLIMIT_NOFILE, &limit) == 0);
  INFO("RLIMIT_NOFILE's hard limit is " << limit.rlim_max << ": 2,200 descriptors are needed");
  REQUIRE(limit.rlim_cur >= 2200);
}

std::string Source(int i) { return absl::StrCat("127.0.0.", i); }

// /api/v1/health as the scheduler answers it, /big for clients that will not read it, /hold for a handler
// that waits, and an echo of the body's size for the rest.
struct Site {
  absl::Notification hold_entered;
  absl::Notification hold_release;

  Response Handle(const Request& request) {
    if (request.Path() == "/api/v1/health") return {.body = R"({"status":"ok"})"};
    if (request.Path() == "/big") return {.body = std::string(kBigResponse, 'b')};
    if (request.Path() == "/medium") return {.body = std::string(kMediumResponse, 'm')};
    if (request.Path() == "/hold") {
      hold_entered.Notify();
      hold_release.WaitForNotificationWithTimeout(kGiveUp);
    }
    return {.body = absl::StrCat(request.body.size())};
  }
};

std::unique_ptr<Server> StartServer(ServerOptions options, Site& site) {
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start(options, [&site](const Request& request) { return site.Handle(request); });
  INFO(server.status().message());
  REQUIRE(server.ok());
  return *std::move(server);
}

// A client socket the test drives byte by byte: connected from a chosen loopback address, then
// non-blocking.
class RawClient {
 public:
  // receive_buffer: a small one (the kernel's minimum is a few KiB) for a client that reads nothing.
  RawClient(int port, const std::string& source, int receive_buffer = 0) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    if (receive_buffer > 0) setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    REQUIRE(inet_pton(AF_INET, source.c_str(), &address.sin_addr) == 1);
    INFO("binding " << source << ": " << strerror(errno));
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port));
    INFO("connecting from " << source << ": " << strerror(errno));
    REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    REQUIRE(fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK) == 0);
  }
  ~RawClient() {
    if (fd_ >= 0) close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  int fd() const { return fd_; }
  // Lets go of the socket (a TLS stream takes it over).
  int Release() { return std::exchange(fd_, -1); }

  // What the socket takes now; false once the server has closed or reset the connection.
  bool Send(std::string_view data) {
    ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    return n >= 0 || errno == EAGAIN;
  }

  // Whether the server has neither closed nor reset the connection (data it sent may wait unread).
  bool StillOpen() const {
    pollfd p{.fd = fd_, .events = POLLRDHUP, .revents = 0};
    return poll(&p, 1, 0) == 0;
  }

  // Reads what the server sends until it closes or resets the connection, or `deadline`. False at the
  // deadline.
  bool ReadUntilClosed(absl::Time deadline, std::string* received) {
    for (;;) {
      char chunk[16 << 10];
      ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
      if (n > 0) {
        received->append(chunk, static_cast<size_t>(n));
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EINTR)) return true;
      if (!WaitReadable(deadline)) return false;
    }
  }

  // Waits for input, the end of the stream or a reset, until `deadline`. False at the deadline.
  bool WaitReadable(absl::Time deadline) const {
    const int ms = static_cast<int>(std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now())));
    pollfd p{.fd = fd_, .events = POLLIN | POLLRDHUP, .revents = 0};
    return poll(&p, 1, ms) > 0;
  }

  // Waits, reading nothing, until the server resets or closes the connection; false at `deadline`.
  bool WaitForHangUp(absl::Time deadline) const {
    for (;;) {
      const int ms = static_cast<int>(std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now())));
      pollfd p{.fd = fd_, .events = POLLRDHUP, .revents = 0};
      const int ready = poll(&p, 1, ms);
      if (ready > 0) return true;
      if (ready == 0) return false;
    }
  }

 private:
  int fd_ = -1;
};

// Sends a whole request and reads a whole response (Content-Length framed), blocking up to kClientTimeout.
// The status, or 0 if the connection closed first.
int Exchange(RawClient& client, std::string_view request, std::string* response_text = nullptr) {
  const absl::Time deadline = absl::Now() + kClientTimeout;
  std::string_view rest = request;
  while (!rest.empty()) {
    ssize_t n = send(client.fd(), rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN) return 0;
    if (n > 0) rest.remove_prefix(static_cast<size_t>(n));
  }
  std::string received;
  for (;;) {
    const size_t end = received.find("\r\n\r\n");
    if (end != std::string::npos) {
      const size_t at = received.find("Content-Length: ");
      const size_t length = at == std::string::npos ? 0 : std::stoul(received.substr(at + 16));
      if (received.size() >= end + 4 + length) {
        if (response_text != nullptr) *response_text = received;
        return std::stoi(received.substr(9, 3));
      }
    }
    char chunk[16 << 10];
    ssize_t n = recv(client.fd(), chunk, sizeof(chunk), 0);
    if (n > 0) {
      received.append(chunk, static_cast<size_t>(n));
      continue;
    }
    if (n == 0 || errno != EAGAIN || !client.WaitReadable(deadline)) {
      if (response_text != nullptr) *response_text = received;
      return 0;
    }
  }
}

// Sends one byte of `text` to each client at once, then one more (cycling) every `interval` until it is
// destroyed: a slowloris.
class Trickler {
 public:
  Trickler(std::vector<RawClient*> clients, std::string text, absl::Duration interval)
      : clients_(std::move(clients)), text_(std::move(text)) {
    SendNext();
    thread_ = std::thread([this, interval] {
      while (!stop_.WaitForNotificationWithTimeout(interval)) SendNext();
    });
  }
  ~Trickler() {
    stop_.Notify();
    thread_.join();
  }

 private:
  void SendNext() {
    for (RawClient* client : clients_) client->Send(text_.substr(sent_ % text_.size(), 1));
    ++sent_;
  }

  const std::vector<RawClient*> clients_;
  const std::string text_;
  size_t sent_ = 0;  // by the constructor, then by the thread alone
  absl::Notification stop_;
  std::thread thread_;
};

// Health requests from a fresh client, one after the other: each must be answered 200 within
// kClientTimeout.
void CheckHealthAnswered(const std::string& url, const ClientOptions& tls, int requests) {
  ClientOptions options = tls;
  options.timeout = kClientTimeout;
  for (int i = 0; i < requests; ++i) {
    const absl::Time start = absl::Now();
    absl::StatusOr<Response> response = Fetch(url, {}, options);
    INFO("health request " << i << " after " << absl::FormatDuration(absl::Now() - start) << ": "
                           << response.status().message());
    REQUIRE(response.ok());
    CHECK(response->status == 200);
    CHECK(response->body == R"({"status":"ok"})");
  }
}

// The start of a TLS 1.2 ClientHello record, which announces more bytes than follow.
const std::string kPartialClientHello("\x16\x03\x01\x00\xc8\x01\x00\x00\xc4\x03\x03", 11);

TEST_CASE("class slow-client: 1,000 slow, idle and half-open clients delay no other client (plain HTTP)") {
  RaiseFileLimit();
  Site site;
  std::unique_ptr<Server> server = StartServer({.idle_timeout = kLong,
                                                .header_timeout = kLong,
                                                .request_timeout = kLong,
                                                .send_timeout = kLong,
                                                .threads = 4,
                                                .max_connections = 2000,
                                                .max_connections_per_address = 128},
                                               site);
  const int port = server->port();
  // 1,000 clients from 10 addresses (127.0.0.2 to .11), 100 each.
  std::vector<std::unique_ptr<RawClient>> half_line, trickling, stalled_body, idle, not_reading;
  for (int i = 0; i < 1000; ++i) {
    const std::string source = Source(2 + i % 10);
    if (i < 300) {
      half_line.push_back(std::make_unique<RawClient>(port, source));
      half_line.back()->Send("GET /api/v1/hea");
    } else if (i < 500) {
      trickling.push_back(std::make_unique<RawClient>(port, source));
    } else if (i < 700) {
      stalled_body.push_back(std::make_unique<RawClient>(port, source));
      stalled_body.back()->Send(
          absl::StrCat("POST /api/v1/actions HTTP/1.1\r\nContent-Length: 100000\r\n\r\n", std::string(1000, 'x')));
    } else if (i < 950) {
      idle.push_back(std::make_unique<RawClient>(port, source));
    } else {
      // Asks for 4 × 256 KiB and reads none of it: the socket buffers fill, and the server's send waits.
      not_reading.push_back(std::make_unique<RawClient>(port, source, /*receive_buffer=*/4096));
      std::string requests;
      for (int r = 0; r < 4; ++r) requests += "GET /medium HTTP/1.1\r\n\r\n";
      not_reading.back()->Send(requests);
    }
  }
  std::vector<RawClient*> tricklers;
  for (auto& client : trickling) tricklers.push_back(client.get());
  Trickler trickler(tricklers, "GET /api/v1/health HTTP/1.1\r\nX-Slow: " + std::string(4000, 's'),
                    absl::Milliseconds(100));

  CheckHealthAnswered(absl::StrCat("http://127.0.0.1:", port, "/api/v1/health"), {}, 50);

  // The attack is still on: the server holds every slow client, it did not just drop them.
  for (const auto* group : {&half_line, &trickling, &stalled_body, &idle, &not_reading}) {
    for (const auto& client : *group) REQUIRE(client->StillOpen());
  }
}

TEST_CASE("class slow-client: stalled TLS handshakes and half-sent requests over TLS delay no other client") {
  RaiseFileLimit();
  Site site;
  std::unique_ptr<Server> server = StartServer({.idle_timeout = kLong,
                                                .handshake_timeout = kLong,
                                                .header_timeout = kLong,
                                                .request_timeout = kLong,
                                                .send_timeout = kLong,
                                                .threads = 4,
                                                .max_connections = 2000,
                                                .max_connections_per_address = 128,
                                                .tls_cert_pem = TestData("server.crt"),
                                                .tls_key_pem = TestData("server.key")},
                                               site);
  const int port = server->port();
  absl::StatusOr<std::shared_ptr<const net::TlsConfig>> client_tls =
      net::TlsConfig::ForClient({.ca = {TestData("ca.crt"), "CA"}});
  REQUIRE(client_tls.ok());
  std::vector<std::unique_ptr<RawClient>> silent, partial_hello;
  std::vector<std::unique_ptr<net::TlsStream>> established;
  for (int i = 0; i < 1000; ++i) {
    const std::string source = Source(2 + i % 10);
    if (i < 450) {
      silent.push_back(std::make_unique<RawClient>(port, source));  // no ClientHello at all
    } else if (i < 950) {
      partial_hello.push_back(std::make_unique<RawClient>(port, source));
      partial_hello.back()->Send(kPartialClientHello);
    } else {
      // A whole handshake, then half a request line.
      RawClient client(port, source);
      auto stream = std::make_unique<net::TlsStream>(client.Release(), *client_tls, "localhost");
      absl::Status handshake = stream->Handshake(absl::Now() + kClientTimeout, -1);
      INFO(handshake.message());
      REQUIRE(handshake.ok());
      REQUIRE(stream->Write("GET /api/v1/hea", absl::Now() + kClientTimeout).ok());
      established.push_back(std::move(stream));
    }
  }

  CheckHealthAnswered(absl::StrCat("https://127.0.0.1:", port, "/api/v1/health"),
                      {.ca_pem = TestData("ca.crt"), .server_name = "localhost"}, 20);

  for (const auto* group : {&silent, &partial_hello}) {
    for (const auto& client : *group) REQUIRE(client->StillOpen());
  }
}

TEST_CASE("class connection-limits: one address cannot take more than its share; the total is bounded too") {
  Site site;
  std::unique_ptr<Server> server =
      StartServer({.idle_timeout = kLong, .max_connections = 12, .max_connections_per_address = 8}, site);
  const int port = server->port();
  const std::string kHealth = "GET /api/v1/health HTTP/1.1\r\n\r\n";
  // 8 connections from 127.0.0.2, each answered once (so the server has accepted and counted it), kept open.
  std::vector<std::unique_ptr<RawClient>> held;
  for (int i = 0; i < 8; ++i) {
    held.push_back(std::make_unique<RawClient>(port, "127.0.0.2"));
    REQUIRE(Exchange(*held.back(), kHealth) == 200);
  }
  SECTION("the 9th from the same address is refused, and another address gets through") {
    RawClient ninth(port, "127.0.0.2");
    std::string refused;
    REQUIRE(ninth.ReadUntilClosed(absl::Now() + kGiveUp, &refused));
    INFO(refused);
    CHECK(absl::StartsWith(refused, "HTTP/1.1 503 "));
    CHECK(absl::StrContains(refused, "too many connections from your address"));

    RawClient other(port, "127.0.0.3");
    CHECK(Exchange(other, kHealth) == 200);
    CHECK(Fetch(absl::StrCat("http://127.0.0.1:", port, "/api/v1/health"), {}).ok());
    // The held ones still work.
    for (auto& client : held) CHECK(Exchange(*client, kHealth) == 200);

    // Once one of the 8 closes, the address has room again (as soon as the server has seen the close).
    held.pop_back();
    const absl::Time deadline = absl::Now() + kGiveUp;
    int status = 0;
    while (status != 200 && absl::Now() < deadline) {
      RawClient again(port, "127.0.0.2");
      status = Exchange(again, kHealth);
    }
    CHECK(status == 200);
  }
  SECTION("over max_connections in all, every address is refused") {
    std::vector<std::unique_ptr<RawClient>> more;
    for (int i = 0; i < 4; ++i) {
      more.push_back(std::make_unique<RawClient>(port, Source(3 + i)));
      REQUIRE(Exchange(*more.back(), kHealth) == 200);
    }
    RawClient over(port, "127.0.0.9");
    std::string refused;
    REQUIRE(over.ReadUntilClosed(absl::Now() + kGiveUp, &refused));
    INFO(refused);
    CHECK(absl::StartsWith(refused, "HTTP/1.1 503 "));
    CHECK(absl::StrContains(refused, "too many connections; try again later"));
  }
}

TEST_CASE("class slowloris: deadlines run from the first byte, and trickling bytes does not extend them") {
  Site site;
  // Headers within 1 s of the first byte, the whole request within 3 s; connections may idle for a minute.
  std::unique_ptr<Server> server = StartServer({.idle_timeout = kLong,
                                                .header_timeout = absl::Seconds(1),
                                                .request_timeout = absl::Seconds(3),
                                                .send_timeout = absl::Seconds(1)},
                                               site);
  const int port = server->port();
  // Sends `text` a byte at a time, every 50 ms, until the server answers or closes; what it answered.
  auto trickle = [&](RawClient& client, std::string_view text) {
    std::string received;
    const absl::Time give_up = absl::Now() + kGiveUp;
    size_t sent = 0;
    while (absl::Now() < give_up) {
      if (!client.Send(text.substr(sent % text.size(), 1))) break;
      ++sent;
      if (client.WaitReadable(absl::Now() + absl::Milliseconds(50))) {
        client.ReadUntilClosed(give_up, &received);
        break;
      }
    }
    INFO("sent " << sent << " bytes");
    CHECK(sent >= 5);  // it kept sending all along
    return received;
  };

  SECTION("a head trickled in is cut off at header_timeout") {
    RawClient client(port, "127.0.0.2");
    std::string answer = trickle(client, "GET /api/v1/health HTTP/1.1\r\nX-Slow: " + std::string(4000, 's'));
    INFO(answer);
    CHECK(absl::StartsWith(answer, "HTTP/1.1 408 "));
    CHECK(absl::StrContains(answer, "the request head was not received within 1s"));
  }
  SECTION("a body trickled in is cut off at request_timeout") {
    RawClient client(port, "127.0.0.2");
    REQUIRE(client.Send("POST /api/v1/actions HTTP/1.1\r\nContent-Length: 1000000\r\n\r\n"));
    std::string answer = trickle(client, std::string(1000, 'b'));
    INFO(answer);
    CHECK(absl::StartsWith(answer, "HTTP/1.1 408 "));
    CHECK(absl::StrContains(answer, "the request was not received within 3s"));
  }
  SECTION("a client that does not read its response is reset at send_timeout") {
    RawClient client(port, "127.0.0.2", /*receive_buffer=*/4096);
    REQUIRE(client.Send("GET /big HTTP/1.1\r\n\r\n"));
    CHECK(client.WaitForHangUp(absl::Now() + kGiveUp));
    // What it gets now is what the kernel had taken before the reset: not the whole response.
    std::string received;
    client.ReadUntilClosed(absl::Now() + kGiveUp, &received);
    CHECK(received.size() < kBigResponse);
  }
  SECTION("a TLS handshake trickled in is cut off at handshake_timeout") {
    std::unique_ptr<Server> tls = StartServer({.idle_timeout = kLong,
                                               .handshake_timeout = absl::Seconds(1),
                                               .tls_cert_pem = TestData("server.crt"),
                                               .tls_key_pem = TestData("server.key")},
                                              site);
    RawClient client(tls->port(), "127.0.0.2");
    REQUIRE(client.Send(kPartialClientHello));
    std::string answer = trickle(client, std::string(200, 'h'));  // the rest of a 200-byte ClientHello
    CHECK(answer.empty());  // closed without a word: there is no TLS session to say it in
  }
}

TEST_CASE("class memory: request bodies held at once are bounded across connections") {
  Site site;
  std::unique_ptr<Server> server =
      StartServer({.max_body_bytes = 4 << 20, .max_buffered_body_bytes = 1 << 20, .threads = 2}, site);
  const std::string url = absl::StrCat("http://127.0.0.1:", server->port());
  auto post = [&](std::string_view path, size_t bytes) {
    absl::StatusOr<Response> response =
        Fetch(absl::StrCat(url, path), {.method = "POST", .body = std::string(bytes, 'u')}, {.timeout = kGiveUp});
    INFO(response.status().message());
    REQUIRE(response.ok());
    return *response;
  };
  // Alone, over the budget: refused, whatever max_body_bytes allows.
  Response over = post("/x", 2 << 20);
  CHECK(over.status == 503);
  CHECK(absl::StrContains(over.body, "too many large request bodies"));
  CHECK(post("/x", 900 << 10).status == 200);

  // One body held in a handler leaves too little for a second; small bodies are never held up.
  absl::StatusOr<Response> held;
  std::thread holder([&] {
    held = Fetch(absl::StrCat(url, "/hold"), {.method = "POST", .body = std::string(800 << 10, 'h')},
                 {.timeout = kGiveUp});
  });
  const bool entered = site.hold_entered.WaitForNotificationWithTimeout(kGiveUp);
  const int second = entered ? post("/x", 800 << 10).status : 0;
  const int small = entered ? post("/x", 60 << 10).status : 0;
  site.hold_release.Notify();
  holder.join();
  REQUIRE(entered);
  CHECK(second == 503);
  CHECK(small == 200);
  REQUIRE(held.ok());
  CHECK(held->body == std::to_string(800 << 10));
  CHECK(post("/x", 800 << 10).status == 200);
}

}  // namespace
}  // namespace mig::http
