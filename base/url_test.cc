#include "base/url.h"

#include <string>

#include "catch2/catch.hpp"

namespace mig {
namespace {

TEST_CASE("URLs that parse, and what they hold") {
  struct Case {
    const char* text;
    const char* scheme;
    const char* user;
    const char* password;
    const char* host;
    int port;  // 0: none
    const char* path;
    const char* query;
    const char* authority;
    const char* target;
  };
  const Case kCases[] = {
      {"amqps://rabbitmq.example.net:5671/mig", "amqps", "", "", "rabbitmq.example.net", 5671, "/mig", "",
       "rabbitmq.example.net:5671", "/mig"},
      {"amqp://scheduler:s%40cret@localhost/mig", "amqp", "scheduler", "s@cret", "localhost", 0, "/mig", "",
       "localhost", "/mig"},
      {"HTTPS://[::1]:8393/api/v1/agents?target=status%3D'online'", "https", "", "", "::1", 8393, "/api/v1/agents",
       "target=status%3D'online'", "[::1]:8393", "/api/v1/agents?target=status%3D'online'"},
      {"http://127.0.0.1:8393", "http", "", "", "127.0.0.1", 8393, "", "", "127.0.0.1:8393", "/"},
      {"http://Example.NET.?x=1", "http", "", "", "example.net.", 0, "", "x=1", "example.net.", "/?x=1"},
      {"file:///media/mig/", "file", "", "", "", 0, "/media/mig/", "", "", "/media/mig/"},
      {"https://[2001:DB8::1]/", "https", "", "", "2001:db8::1", 0, "/", "", "[2001:db8::1]", "/"},
      {"amqp://a:@h_1/%2F", "amqp", "a", "", "h_1", 0, "/%2F", "", "h_1", "/%2F"},
  };
  for (const Case& c : kCases) {
    INFO(c.text);
    absl::StatusOr<Url> url = ParseUrl(c.text);
    REQUIRE(url.ok());
    CHECK(url->scheme == c.scheme);
    CHECK(url->user == c.user);
    CHECK(url->password == c.password);
    CHECK(url->host == c.host);
    CHECK(url->port.value_or(0) == c.port);
    CHECK(url->path == c.path);
    CHECK(url->query == c.query);
    CHECK(url->Authority() == c.authority);
    CHECK(url->Target() == c.target);
  }
}

TEST_CASE("class malformed-url: URLs are refused where they enter, saying why") {
  struct Case {
    std::string text;
    const char* error;
  };
  const Case kCases[] = {
      {"amqp://[::1", "unterminated [IPv6 address]"},
      {"amqp://[::1]x/mig", "unexpected text after the [IPv6 address]"},
      {"amqp://[not-v6]/", "'not-v6' is not an IPv6 address"},
      {"amqp://::1/", "must be in [brackets]"},
      {"amqp://host:0/", "'0' is not a port"},
      {"amqp://host:65536/", "'65536' is not a port"},
      {"amqp://host:/", "'' is not a port"},
      {"amqp://host:+5/", "'+5' is not a port"},
      {"amqp://ho st/", "spaces, control characters"},
      {"amqp://host/\n", "spaces, control characters"},
      {std::string("amqp://host/\0", 13), "spaces, control characters"},
      {"amqp://h\xc3\xa9/", "spaces, control characters and non-ASCII"},
      {"amqp:///mig", "no host"},
      {"amqp://-host/", "is not a host name"},
      {"amqp://a..b/", "is not a host name"},
      {"amqp://a%41/", "is not a host name"},
      {"amqp://host/%zz", "percent-escape in the path"},
      {"amqp://host/%4", "percent-escape in the path"},
      {"amqp://u%:p@host/", "in the user or password"},
      {"http://host/a#frag", "a fragment"},
      {"http://host/a\\b", "bad character or percent-escape in the path"},
      {"//host/", "no scheme"},
      {"1http://host/", "must start with a letter"},
      {"file://host/x", "a file URL names a local path"},
      {"host:5672", "no scheme"},
      {"", "no scheme"},
  };
  for (const Case& c : kCases) {
    INFO(c.text);
    absl::StatusOr<Url> url = ParseUrl(c.text);
    REQUIRE_FALSE(url.ok());
    CHECK(absl::IsInvalidArgument(url.status()));
    CHECK_THAT(std::string(url.status().message()), Catch::Contains(c.error));
  }
}

TEST_CASE("Schemes can be required, and a password never appears in an error") {
  CHECK(ParseUrl("https://h/", {"http", "https"}).ok());
  absl::StatusOr<Url> amqp = ParseUrl("amqp://u:secret@h/", {"http", "https"});
  REQUIRE_FALSE(amqp.ok());
  CHECK_THAT(std::string(amqp.status().message()), Catch::Contains("the scheme must be http or https"));
  CHECK_THAT(std::string(amqp.status().message()), !Catch::Contains("secret"));
  CHECK_THAT(std::string(amqp.status().message()), Catch::Contains("amqp://u:****@h/"));
}

TEST_CASE("Host and port, as a listen address") {
  absl::StatusOr<HostPort> v4 = ParseHostPort("127.0.0.1:8393");
  REQUIRE(v4.ok());
  CHECK(v4->host == "127.0.0.1");
  CHECK(v4->port == 8393);
  absl::StatusOr<HostPort> v6 = ParseHostPort("[::1]:1");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->ipv6);
  CHECK(ParseHostPort("127.0.0.1:0", PortZero::kAnyPortAllowed)->port == 0);
  for (std::string bad : {"127.0.0.1", ":8393", "[::1]", "::1:8393", "host:99999", "host :1", "[::1:80", "h:0"}) {
    INFO(bad);
    absl::StatusOr<HostPort> parsed = ParseHostPort(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK_THAT(std::string(parsed.status().message()), Catch::Contains("is not address:port"));
  }
}

TEST_CASE("Percent-decoding") {
  CHECK(*PercentDecode("%41+b") == "A+b");
  CHECK(*PercentDecode("%41+b%2B", /*plus_is_space=*/true) == "A b+");
  CHECK_FALSE(PercentDecode("%4").has_value());
  CHECK_FALSE(PercentDecode("%g0").has_value());
}

}  // namespace
}  // namespace mig
