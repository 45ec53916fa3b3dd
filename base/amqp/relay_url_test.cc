#include "base/amqp/relay_url.h"

#include "catch2/catch.hpp"

namespace mig::amqp {
namespace {

struct GoodCase {
  const char* url;
  const char* host;
  int port;
  const char* vhost;
  const char* user;
  const char* password;
  bool tls;
};

constexpr GoodCase kGood[] = {
    {"amqps://relay.example.net:5671/mig", "relay.example.net", 5671, "mig", "", "", true},
    {"amqps://relay.example.net/mig", "relay.example.net", 5671, "mig", "", "", true},
    {"amqps://localhost:35671/", "localhost", 35671, "/", "", "", true},
    {"amqp://scheduler:s%40cret@127.0.0.1:5672/mig", "127.0.0.1", 5672, "mig", "scheduler", "s@cret", false},
    {"amqp://guest:guest@[::1]:5673/%2F", "::1", 5673, "/", "guest", "guest", false},
    {"amqp://a:b@host", "host", 5672, "/", "a", "b", false},
};

TEST_CASE("relay URLs become connection options", "[relay_url]") {
  TlsOptions tls{.ca_file = "ca.pem", .cert_file = "agent.pem", .key_file = "agent.key"};
  for (const GoodCase& c : kGood) {
    INFO(c.url);
    absl::StatusOr<ConnectionOptions> options = ConnectionOptionsFromRelayUrl(c.url, tls);
    REQUIRE(options.ok());
    CHECK(options->host == c.host);
    CHECK(options->port == c.port);
    CHECK(options->vhost == c.vhost);
    CHECK(options->user == c.user);
    CHECK(options->password == c.password);
    CHECK(options->tls.has_value() == c.tls);
    CHECK((options->login == Login::kExternal) == c.tls);
  }
}

struct BadCase {
  const char* url;
  const char* message;
};

constexpr BadCase kBad[] = {
    {"http://x/", "the scheme must be amqp or amqps"}, {"amqps:///mig", "no host"},
    {"amqps://x:99999/mig", "'99999' is not a port"},  {"amqps://x:port/mig", "'port' is not a port"},
    {"amqps://u:p@x/mig", "remove the user"},          {"amqp://x/mig", "needs a user and password"},
    {"amqp://a:b@x/a/b", "one path segment"},          {"amqp://a:b@x/%zz", "percent-escape in the path"},
    {"amqp://a:b@x/%4", "percent-escape in the path"}, {"amqp://a:b@[::1/", "unterminated [IPv6 address]"},
    {"amqps://[::1", "unterminated [IPv6 address]"},   {"amqps://relay .example.net/", "spaces, control characters"},
    {"amqps://relay/mig?x=1", "takes no query"},
};

TEST_CASE("bad relay URLs are refused with the reason", "[relay_url]") {
  for (const BadCase& c : kBad) {
    INFO(c.url);
    absl::StatusOr<ConnectionOptions> options = ConnectionOptionsFromRelayUrl(c.url, TlsOptions{});
    REQUIRE_FALSE(options.ok());
    CHECK(options.status().message().find(c.message) != std::string_view::npos);
  }
  absl::StatusOr<ConnectionOptions> no_tls = ConnectionOptionsFromRelayUrl("amqps://x/mig", std::nullopt);
  REQUIRE_FALSE(no_tls.ok());
  CHECK(no_tls.status().message().find("[certs]") != std::string_view::npos);
}

}  // namespace
}  // namespace mig::amqp
