// Pings on loopback only: listeners and responders the test opens itself, ports it knows to be closed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/json/reader.h"
#include "catch2/catch.hpp"
#include "modules/module.h"
#include "modules/ping/destination.h"
#include "modules/ping/probe.h"
#include "modules/result.h"

namespace mig::modules::ping {
namespace {

// Generous: a bound on how long a test can wait, never an assertion on how long it took.
constexpr absl::Duration kBound = absl::Seconds(10);

class Socket {
 public:
  Socket(int family, int type) : fd_(socket(family, type | SOCK_CLOEXEC, 0)), family_(family) {
    REQUIRE(fd_ >= 0);
    sockaddr_storage address{};
    socklen_t length;
    if (family == AF_INET) {
      auto* in = reinterpret_cast<sockaddr_in*>(&address);
      in->sin_family = AF_INET;
      in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      length = sizeof(*in);
    } else {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&address);
      in6->sin6_family = AF_INET6;
      in6->sin6_addr = in6addr_loopback;
      length = sizeof(*in6);
    }
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&address), length) == 0);
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&address)->sin_port
                                    : reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() { Close(); }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  int fd() const { return fd_; }
  uint16_t port() const { return port_; }
  std::string host() const { return family_ == AF_INET ? "127.0.0.1" : "::1"; }

 private:
  int fd_;
  int family_;
  uint16_t port_ = 0;
};

// Answers each datagram with the same bytes until stopped.
class UdpEcho {
 public:
  explicit UdpEcho(int family) : socket_(family, SOCK_DGRAM), thread_([this] { Serve(); }) {}
  ~UdpEcho() {
    stop_ = true;
    thread_.join();
  }
  const Socket& socket() const { return socket_; }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{socket_.fd(), POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char buffer[1500];
      sockaddr_storage from{};
      socklen_t length = sizeof(from);
      ssize_t n = recvfrom(socket_.fd(), buffer, sizeof(buffer), 0, reinterpret_cast<sockaddr*>(&from), &length);
      if (n >= 0) sendto(socket_.fd(), buffer, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), length);
    }
  }
  Socket socket_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

Destination Resolve(const std::string& host, uint16_t port) {
  absl::StatusOr<Destination> d = ResolveDestination(host, port);
  INFO(d.status().message());
  REQUIRE(d.ok());
  return *d;
}

ProbeOutcome Tcp(const std::string& host, uint16_t port, absl::Duration timeout = kBound) {
  return ProbeTcp(Resolve(host, port), absl::Now() + timeout, nullptr);
}

ProbeOutcome Udp(const std::string& host, uint16_t port, absl::Duration timeout = kBound) {
  return ProbeUdp(Resolve(host, port), absl::Now() + timeout, nullptr);
}

TEST_CASE("Destinations resolve from literals and /etc/hosts") {
  const std::pair<const char*, const char*> cases[] = {
      {"127.0.0.1", "127.0.0.1"}, {"::1", "::1"}, {"[::1]", "::1"}, {"localhost", "127.0.0.1"}};
  for (const auto& [host, ip] : cases) {
    INFO(host);
    CHECK(Resolve(host, 80).ip == ip);
  }
  absl::StatusOr<Destination> bad = ResolveDestination("a..b", 80);
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(std::string(bad.status().message()), Catch::Contains("cannot resolve 'a..b'"));
}

TEST_CASE("TCP ping: a listener answers, a port with no listener refuses") {
  for (int family : {AF_INET, AF_INET6}) {
    Socket listener(family, SOCK_STREAM);
    REQUIRE(listen(listener.fd(), 16) == 0);
    ProbeOutcome up = Tcp(listener.host(), listener.port());
    INFO(up.reason);
    CHECK(up.status == ProbeStatus::kAnswered);
    CHECK(up.latency >= absl::ZeroDuration());

    // Bound but not listening: the kernel answers a SYN with a reset.
    Socket closed(family, SOCK_STREAM);
    ProbeOutcome refused = Tcp(closed.host(), closed.port());
    CHECK(refused.status == ProbeStatus::kRefused);
    CHECK_THAT(refused.reason, Catch::Contains("refused"));
  }
}

TEST_CASE("TCP ping: a listener whose queue is full does not answer before the timeout") {
  Socket listener(AF_INET, SOCK_STREAM);
  REQUIRE(listen(listener.fd(), 0) == 0);
  // Connections that are never accepted fill the queue; then the kernel drops new SYNs.
  bool timed_out = false;
  for (int attempt = 0; attempt < 16 && !timed_out; ++attempt) {
    timed_out = Tcp(listener.host(), listener.port(), absl::Milliseconds(300)).status == ProbeStatus::kTimedOut;
  }
  CHECK(timed_out);
}

TEST_CASE("UDP ping: a reply answers, silence times out, a closed port refuses") {
  for (int family : {AF_INET, AF_INET6}) {
    UdpEcho echo(family);
    ProbeOutcome answered = Udp(echo.socket().host(), echo.socket().port());
    INFO(answered.reason);
    CHECK(answered.status == ProbeStatus::kAnswered);

    Socket silent(family, SOCK_DGRAM);
    CHECK(Udp(silent.host(), silent.port(), absl::Milliseconds(200)).status == ProbeStatus::kTimedOut);

    // A port nobody holds: the kernel sends ICMP port unreachable, read back as ECONNREFUSED.
    Socket released(family, SOCK_DGRAM);
    uint16_t port = released.port();
    released.Close();
    ProbeOutcome refused = Udp(released.host(), port);
    CHECK(refused.status == ProbeStatus::kRefused);
  }
}

TEST_CASE("ICMP ping of loopback gets echo replies") {
  for (const char* host : {"127.0.0.1", "::1"}) {
    INFO(host);
    for (uint16_t sequence = 0; sequence < 3; ++sequence) {
      ProbeOutcome o = ProbeIcmp(Resolve(host, 0), sequence, absl::Now() + kBound, nullptr);
      INFO(o.reason);
      CHECK(o.status == ProbeStatus::kAnswered);
    }
  }
}

struct Elements {
  ParsedResult result;
  std::vector<double> latencies;
  std::string protocol, resolved_host;
  std::vector<std::string> failures;
};

Elements RunModule(const std::string& parameters, const RunContext& context = {}) {
  const Module* module = FindModule("ping");
  REQUIRE(module != nullptr);
  std::string json = module->Run(parameters, context);
  INFO(json);
  absl::StatusOr<ParsedResult> parsed = ParseResult(json);
  REQUIRE(parsed.ok());
  Elements e;
  e.result = std::move(*parsed);
  if (!e.result.elements.is_object()) return e;
  simdjson::dom::element el = e.result.elements;
  simdjson::dom::array latencies = json::AsArray(el["latencies"].value_unsafe(), "latencies").value();
  for (simdjson::dom::element l : latencies) {
    e.latencies.push_back(json::AsNumber(l, "latency").value());
  }
  e.protocol = json::AsString(el["protocol"].value_unsafe(), "protocol").value();
  e.resolved_host = json::AsString(el["resolvedhost"].value_unsafe(), "resolvedhost").value();
  e.failures = json::AsStringArray(el["failures"].value_unsafe(), "failures").value();
  return e;
}

TEST_CASE("The ping module reports MIG's latencies and verdicts") {
  Socket listener(AF_INET, SOCK_STREAM);
  REQUIRE(listen(listener.fd(), 16) == 0);
  Socket closed(AF_INET6, SOCK_STREAM);
  Socket silent(AF_INET, SOCK_DGRAM);
  struct Case {
    std::string parameters;
    bool found;
    std::vector<double> codes;  // expected latency codes; 1 stands for "a real latency"
    std::string resolved_host;
  };
  const Case cases[] = {
      {absl::StrCat(R"({"destination":"localhost","destinationport":)", listener.port(),
                    R"(,"protocol":"tcp","count":3})"),
       true,
       {1, 1, 1},
       absl::StrCat("localhost:", listener.port(), " (127.0.0.1)")},
      {absl::StrCat(R"({"destination":"::1","destinationport":)", closed.port(), R"(,"protocol":"tcp","count":2})"),
       false,
       {-1, -1},
       absl::StrCat("[::1]:", closed.port(), " (::1)")},
      {absl::StrCat(R"({"destination":"127.0.0.1","destinationport":)", silent.port(),
                    R"(,"protocol":"udp","count":1,"timeout":0.2})"),
       true,
       {9999999},
       absl::StrCat("127.0.0.1:", silent.port(), " (127.0.0.1)")},
      {R"({"destination":"::1","protocol":"icmp","count":2})", true, {1, 1}, "::1 (::1)"},
  };
  for (const Case& c : cases) {
    INFO(c.parameters);
    Elements e = RunModule(c.parameters);
    CHECK(e.result.success);
    CHECK(e.result.found_anything == c.found);
    CHECK(e.resolved_host == c.resolved_host);
    CHECK(e.failures.empty());
    REQUIRE(e.latencies.size() == c.codes.size());
    for (size_t i = 0; i < c.codes.size(); ++i) {
      if (c.codes[i] == 1) {
        CHECK(e.latencies[i] > 0);
        CHECK(e.latencies[i] < 9999999);
      } else {
        CHECK(e.latencies[i] == c.codes[i]);
      }
    }
  }
}

TEST_CASE("The ping module stops at its deadline and says so") {
  Socket listener(AF_INET, SOCK_STREAM);
  REQUIRE(listen(listener.fd(), 16) == 0);
  RunContext context;
  context.deadline = absl::Now() - absl::Seconds(1);
  Elements e = RunModule(absl::StrCat(R"({"destination":"127.0.0.1","destinationport":)", listener.port(),
                                      R"(,"protocol":"tcp","count":5})"),
                         context);
  CHECK_FALSE(e.result.success);
  CHECK(e.latencies.empty());
  REQUIRE(e.result.errors.size() == 1);
  CHECK_THAT(e.result.errors[0], Catch::Contains("reached its deadline after 0 of 5 pings"));
}

TEST_CASE("A ping cut short by the run's deadline is not reported as a timeout") {
  Socket silent(AF_INET, SOCK_DGRAM);
  RunContext context;
  context.deadline = absl::Now() + absl::Milliseconds(200);
  Elements e = RunModule(absl::StrCat(R"({"destination":"127.0.0.1","destinationport":)", silent.port(),
                                      R"(,"protocol":"udp","count":2,"timeout":30})"),
                         context);
  CHECK_FALSE(e.result.success);
  CHECK(e.latencies.empty());
  REQUIRE(e.result.errors.size() == 1);
  CHECK_THAT(e.result.errors[0], Catch::Contains("reached its deadline after 0 of 2 pings"));
}

TEST_CASE("Ping results render as MIG's client prints them") {
  const Module* module = FindModule("ping");
  REQUIRE(module != nullptr);
  const std::string reachable =
      R"j({"foundanything":true,"success":true,"elements":{"latencies":[1.25,-1,9999999,0],"protocol":"tcp",)j"
      R"j("resolvedhost":"h:22 (10.0.0.1)","failures":["ping #4 failed with error: socket: Permission denied"]},)j"
      R"j("statistics":null,"errors":[]})j";
  const std::string unreachable =
      R"j({"foundanything":false,"success":true,"elements":{"latencies":[-1],"protocol":"udp",)j"
      R"j("resolvedhost":"h:53 (10.0.0.1)","failures":null},"statistics":null,"errors":[]})j";
  const std::string maybe =
      R"j({"foundanything":true,"success":true,"elements":{"latencies":[9999999],"protocol":"udp",)j"
      R"j("resolvedhost":"h:53 (10.0.0.1)","failures":[]},"statistics":null,"errors":[]})j";
  const std::string failed = R"j({"foundanything":false,"success":false,"elements":null,"statistics":null,)j"
                             R"j("errors":["cannot resolve 'nowhere': Name does not resolve"]})j";
  struct Case {
    const std::string* json;
    Show show;
    const char* text;
  };
  const Case cases[] = {
      {&reachable, Show::kFound,
       "tcp ping of h:22 (10.0.0.1) succeeded. Target is reachable.\n"
       "ping #1 succeeded in 1.250ms\n"
       "ping #2 failed, target was unreachable\n"
       "ping #3 failed, connection timed out\n"
       "ping #4 failed, reason unknown\n"
       "ping #4 failed with error: socket: Permission denied\n"},
      {&reachable, Show::kNotFound, ""},
      // Not reached is the answer, not a miss: shown by default too.
      {&unreachable, Show::kFound,
       "udp ping of h:53 (10.0.0.1) failed. Target is not reachable.\nping #1 failed, target was unreachable\n"},
      {&unreachable, Show::kNotFound,
       "udp ping of h:53 (10.0.0.1) failed. Target is not reachable.\nping #1 failed, target was unreachable\n"},
      {&unreachable, Show::kAll,
       "udp ping of h:53 (10.0.0.1) failed. Target is not reachable.\nping #1 failed, target was unreachable\n"},
      {&maybe, Show::kFound,
       "udp ping of h:53 (10.0.0.1) succeeded. Target is reachable.\nping #1 may have succeeded (no udp response)\n"},
      {&failed, Show::kFound, "module failed\nerror: cannot resolve 'nowhere': Name does not resolve\n"},
  };
  for (const Case& c : cases) {
    INFO(*c.json);
    absl::StatusOr<std::string> text = module->Render(*c.json, {.show = c.show});
    REQUIRE(text.ok());
    CHECK(*text == c.text);
  }
}

}  // namespace
}  // namespace mig::modules::ping
