// Connection without a broker: option checks, and the failures a client meets before any broker answers.
// Everything with a broker is in broker_test.cc.
#include "base/amqp/connection.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "catch2/catch.hpp"

namespace mig::amqp {
namespace {

// A listening socket on 127.0.0.1 that never accepts: connections complete (the backlog), nobody answers.
class SilentListener {
 public:
  SilentListener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    REQUIRE(listen(fd_, 4) == 0);
    socklen_t length = sizeof(address);
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
  }
  ~SilentListener() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_;
  int port_;
};

ConnectionOptions Valid() {
  ConnectionOptions options;
  options.user = "scheduler";
  options.password = "secret";
  return options;
}

TEST_CASE("Connection options are checked before connecting") {
  struct Case {
    const char* name;
    void (*change)(ConnectionOptions&);
    const char* error;
  };
  const Case kCases[] = {
      {"no host", [](ConnectionOptions& o) { o.host.clear(); }, "no broker host"},
      {"port 0", [](ConnectionOptions& o) { o.port = 0; }, "bad broker port 0"},
      {"port too big", [](ConnectionOptions& o) { o.port = 70000; }, "bad broker port 70000"},
      {"PLAIN without user", [](ConnectionOptions& o) { o.user.clear(); }, "needs a user"},
      {"EXTERNAL without TLS", [](ConnectionOptions& o) { o.login = Login::kExternal; }, "EXTERNAL login needs TLS"},
      {"EXTERNAL without a client certificate",
       [](ConnectionOptions& o) {
         o.login = Login::kExternal;
         o.tls = TlsOptions{.ca_file = "base/amqp/testdata/ca.crt"};
       },
       "needs a TLS client certificate"},
      {"negative heartbeat", [](ConnectionOptions& o) { o.heartbeat = absl::Seconds(-1); }, "heartbeat"},
      {"heartbeat too long", [](ConnectionOptions& o) { o.heartbeat = absl::Hours(24); }, "heartbeat"},
      {"no connect timeout", [](ConnectionOptions& o) { o.connect_timeout = absl::ZeroDuration(); }, "timeouts"},
      {"bad TLS files", [](ConnectionOptions& o) { o.tls = TlsOptions{.ca_file = "/nonexistent/ca.pem"}; },
       "/nonexistent/ca.pem"},
  };
  for (const Case& c : kCases) {
    INFO(c.name);
    ConnectionOptions options = Valid();
    c.change(options);
    absl::StatusOr<std::unique_ptr<Connection>> connection = Connection::Open(options);
    INFO(connection.status());
    REQUIRE_FALSE(connection.ok());
    CHECK(absl::StrContains(connection.status().message(), c.error));
  }
}

TEST_CASE("Connecting where no broker listens is Unavailable, naming the address") {
  int port;
  {
    SilentListener gone;
    port = gone.port();
  }
  ConnectionOptions options = Valid();
  options.host = "127.0.0.1";
  options.port = port;
  absl::StatusOr<std::unique_ptr<Connection>> connection = Connection::Open(options);
  INFO(connection.status());
  CHECK(absl::IsUnavailable(connection.status()));
  CHECK(absl::StrContains(connection.status().message(), "127.0.0.1"));
  CHECK(absl::StrContains(connection.status().message(), "refused"));
}

TEST_CASE("A broker that never answers times out within connect_timeout") {
  SilentListener silent;
  ConnectionOptions options = Valid();
  options.port = silent.port();
  options.connect_timeout = absl::Milliseconds(400);
  SECTION("plain: the AMQP handshake") {}
  SECTION("TLS: the TLS handshake") {
    options.tls = TlsOptions{.ca_file = "base/amqp/testdata/ca.crt",
                             .cert_file = "base/amqp/testdata/client.crt",
                             .key_file = "base/amqp/testdata/client.key"};
    options.login = Login::kExternal;
  }
  const absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<Connection>> connection = Connection::Open(options);
  INFO(connection.status());
  CHECK(absl::IsDeadlineExceeded(connection.status()));
  CHECK(absl::Now() - start < absl::Seconds(3));
}

}  // namespace
}  // namespace mig::amqp
