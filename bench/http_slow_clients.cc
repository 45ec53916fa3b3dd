// The latency of `GET /api/v1/health` from a fresh client while slow clients hold connections to the server:
// first with none, then with --slow connections that each sent half a request line and stalled (issue 15:
// the scheduler's API must answer within 100 ms while 1,000 are held). Each health request is a new
// connection, as mig's client makes them. Prints median, p99 and max; asserts nothing.
//
// The server is an http::Server in this process with the scheduler's settings (ServerOptions' defaults,
// plain HTTP, the health answer of scheduler/api.cc), or with --target a running one, a `mig scheduler`
// say. The slow clients connect from 127.0.0.2, 127.0.0.3... (--per-address each), so the target must
// listen on loopback.
//
//   bazel run -c opt //bench:http_slow_clients -- [--slow=1000] [--requests=200] [--target=127.0.0.1:8393]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/http/client.h"
#include "base/http/server.h"

namespace mig::http {
namespace {

struct Settings {
  int slow = 1000;
  int per_address = 100;
  int requests = 200;
  double timeout_seconds = 5;
  std::string target;  // host:port; empty: a server in this process
};

// A connection from `source` that sent half a request line, then nothing: -1 if it could not be made.
int HalfRequest(int port, const std::string& source) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  inet_pton(AF_INET, source.c_str(), &address.sin_addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return -1;
  }
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  constexpr std::string_view kHalf = "GET /api/v1/hea";
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      send(fd, kHalf.data(), kHalf.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(kHalf.size())) {
    close(fd);
    return -1;
  }
  return fd;
}

// Health requests one after the other; prints a row of the table.
void Measure(const std::string& url, const Settings& s, int slow) {
  std::vector<absl::Duration> latencies;
  int failed = 0;
  std::string first_error;
  for (int i = 0; i < s.requests; ++i) {
    const absl::Time start = absl::Now();
    absl::StatusOr<Response> response = Fetch(url, {}, {.timeout = absl::Seconds(s.timeout_seconds)});
    latencies.push_back(absl::Now() - start);
    if (!response.ok() || response->status != 200) {
      ++failed;
      if (first_error.empty()) {
        first_error = response.ok() ? absl::StrCat("status ", response->status) : response.status().ToString();
      }
    }
  }
  std::sort(latencies.begin(), latencies.end());
  auto ms = [](absl::Duration d) { return absl::ToDoubleMilliseconds(d); };
  const size_t p99 = std::min(latencies.size() - 1, (latencies.size() * 99 + 99) / 100 - 1);
  std::cout << absl::StrFormat("  %16d  %10.2f  %10.2f  %10.2f  %8d\n", slow, ms(latencies[latencies.size() / 2]),
                               ms(latencies[p99]), ms(latencies.back()), failed);
  if (!first_error.empty()) std::cout << "    first failure: " << first_error << "\n";
}

int Run(const Settings& s) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);

  std::unique_ptr<Server> server;
  std::string host_port = s.target;
  if (host_port.empty()) {
    absl::StatusOr<std::unique_ptr<Server>> started = Server::Start({}, [](const Request& request) {
      if (request.Path() == "/api/v1/health" && request.method == "GET") return Response{.body = R"({"status":"ok"})"};
      return ErrorResponse(401, "no Authorization header");
    });
    if (!started.ok()) {
      std::cerr << "http_slow_clients: " << started.status() << "\n";
      return 1;
    }
    server = *std::move(started);
    host_port = absl::StrCat("127.0.0.1:", server->port());
  }
  int port = 0;
  if (size_t colon = host_port.rfind(':');
      colon == std::string::npos || !absl::SimpleAtoi(host_port.substr(colon + 1), &port)) {
    std::cerr << "http_slow_clients: --target '" << host_port << "' is not host:port\n";
    return 2;
  }
  const std::string url = absl::StrCat("http://", host_port, "/api/v1/health");
  std::cout << "GET " << url << ": " << s.requests << " requests, each on a new connection (ms)\n";
  std::cout << absl::StrFormat("  %16s  %10s  %10s  %10s  %8s\n", "slow connections", "median", "p99", "max", "failed");
  Measure(url, s, 0);

  std::vector<int> slow;
  for (int i = 0; i < s.slow; ++i) {
    const int fd = HalfRequest(port, absl::StrCat("127.0.0.", 2 + i / s.per_address));
    if (fd < 0) {
      std::cerr << "http_slow_clients: slow connection " << i << ": " << strerror(errno) << "\n";
      break;
    }
    slow.push_back(fd);
  }
  Measure(url, s, static_cast<int>(slow.size()));
  for (int fd : slow) close(fd);
  return 0;
}

}  // namespace
}  // namespace mig::http

int main(int argc, char** argv) {
  mig::http::Settings s;
  CLI::App app{"GET /api/v1/health latency with and without slow clients holding connections"};
  app.add_option("--slow", s.slow, "slow connections to hold (half a request line each)");
  app.add_option("--per-address", s.per_address, "slow connections per source address (127.0.0.2, .3, ...)")
      ->check(CLI::Range(1, 100000));
  app.add_option("--requests", s.requests, "health requests per measurement")->check(CLI::Range(1, 1000000));
  app.add_option("--timeout", s.timeout_seconds, "seconds a health request may take before it counts as failed");
  app.add_option("--target", s.target, "host:port of a running server (default: one in this process)");
  CLI11_PARSE(app, argc, argv);
  return mig::http::Run(s);
}
