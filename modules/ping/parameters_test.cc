#include "modules/ping/parameters.h"

#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "modules/ping/command_line.h"

namespace mig::modules::ping {
namespace {

struct ValidCase {
  const char* json;
  const char* destination;
  Protocol protocol;
  uint16_t port;
  uint64_t count;
  double timeout;
};

TEST_CASE("MIG's ping parameters parse, with MIG's defaults") {
  const ValidCase cases[] = {
      {R"({"destination":"www.google.com","destinationport":80,"protocol":"tcp","count":3,"timeout":5})",
       "www.google.com", Protocol::kTcp, 80, 3, 5},
      {R"({"destination":"8.8.8.8","protocol":"icmp"})", "8.8.8.8", Protocol::kIcmp, 0, 3, 5},
      // MIG's client sends its -dp default, -1, with icmp.
      {R"({"destination":"::1","destinationport":-1,"protocol":"icmp","count":0,"timeout":0})", "::1", Protocol::kIcmp,
       0, 3, 5},
      {R"({"destination":"10.0.0.1","destinationport":53.0,"protocol":"udp","count":10.0,"timeout":0.5})", "10.0.0.1",
       Protocol::kUdp, 53, 10, 0.5},
  };
  for (const ValidCase& c : cases) {
    INFO(c.json);
    absl::StatusOr<Parameters> p = ParseParameters(c.json);
    INFO(p.status().message());
    REQUIRE(p.ok());
    CHECK(p->destination == c.destination);
    CHECK(p->protocol == c.protocol);
    CHECK(p->port == c.port);
    CHECK(p->count == c.count);
    CHECK(p->timeout_seconds == c.timeout);
    // What we write reads back the same.
    absl::StatusOr<Parameters> again = ParseParameters(ParametersToJson(*p));
    REQUIRE(again.ok());
    CHECK(ParametersToJson(*again) == ParametersToJson(*p));
  }
}

struct ErrorCase {
  const char* json;
  const char* message_part;
};

TEST_CASE("Invalid ping parameters are refused with the field and the reason") {
  const ErrorCase cases[] = {
      {R"([])", "expected an object"},
      {R"({"destination":"a","protocol":"icmp","cont":3})", "unknown field \"cont\""},
      {R"({"destination":"a"})", "protocol: missing"},
      {R"({"destination":"a","protocol":"sctp"})", "protocol 'sctp' is not a supported ping protocol"},
      {R"({"destination":"a","protocol":3})", "protocol: expected a string, got number"},
      {R"({"protocol":"icmp"})", "destination: missing"},
      {R"({"destination":"","protocol":"icmp"})", "destination: missing"},
      {R"({"destination":"a b","protocol":"icmp"})", "destination 'a b' is not an address or a host name"},
      {R"({"destination":"a","protocol":"tcp"})", "tcp ping needs a destinationport between 1 and 65535, got 0"},
      {R"({"destination":"a","protocol":"udp","destinationport":70000})", "got 70000"},
      {R"({"destination":"a","protocol":"tcp","destinationport":8.5})", "got 8.5"},
      {R"({"destination":"a","protocol":"tcp","destinationport":"80"})", "destinationport: expected a number"},
      {R"({"destination":"a","protocol":"icmp","destinationport":443})", "destinationport 443 does not apply"},
      {R"({"destination":"a","protocol":"icmp","count":-1})", "count: -1 is not a whole number"},
      {R"({"destination":"a","protocol":"icmp","count":1001})", "count: 1001 is larger than 1000"},
      {R"({"destination":"a","protocol":"icmp","timeout":-2})", "timeout -2 is out of range"},
      {R"({"destination":"a","protocol":"icmp","timeout":601})", "timeout 601 is out of range"},
      {R"({"destination":"a","protocol":"icmp")", "not valid JSON"},
  };
  for (const ErrorCase& c : cases) {
    INFO(c.json);
    absl::StatusOr<Parameters> p = ParseParameters(c.json);
    REQUIRE_FALSE(p.ok());
    CHECK_THAT(std::string(p.status().message()), Catch::Contains(c.message_part));
  }
}

// Parses flags the way the investigator does once Go-style flags are normalized (-dp becomes --dp).
absl::StatusOr<Parameters> FromFlags(std::vector<std::string> args) {
  CLI::App app;
  PingCommandLine flags;
  flags.AddFlags(app);
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return absl::InvalidArgumentError(e.what());
  }
  return flags.ToParameters();
}

struct FlagCase {
  std::vector<std::string> args;
  const char* json;  // expected parameters, or nullptr when the flags are refused
  const char* message_part;
};

TEST_CASE("MIG's ping flags make the parameters") {
  const FlagCase cases[] = {
      {{"-d", "127.0.0.1"}, R"({"destination":"127.0.0.1","protocol":"icmp","count":3,"timeout":5})", ""},
      {{"-d", "localhost", "--dp", "22", "-p", "tcp", "-c", "1", "-t", "2.5"},
       R"({"destination":"localhost","destinationport":22,"protocol":"tcp","count":1,"timeout":2.5})",
       ""},
      {{"--d=::1", "--dp=53", "--p=udp", "--c=2", "--t=1"},
       R"({"destination":"::1","destinationport":53,"protocol":"udp","count":2,"timeout":1})",
       ""},
      {{"-d", "::1", "--dp=53", "-p", "udp"},
       R"({"destination":"::1","destinationport":53,"protocol":"udp","count":3,"timeout":5})",
       ""},
      {{}, nullptr, "-d: missing"},
      {{"-d", "x", "-p", "tcp"}, nullptr, "-dp: missing; a tcp ping needs a destination port"},
      {{"-d", "x", "-p", "tcp", "--dp", "0"}, nullptr, "-dp 0 is not a port"},
      {{"-d", "x", "--dp", "80"}, nullptr, "-dp does not apply to an icmp ping"},
      {{"-d", "x", "-p", "gre"}, nullptr, "protocol 'gre' is not a supported ping protocol"},
      {{"-d", "x", "-c", "0"}, nullptr, "-c 0 is out of range"},
      {{"-d", "x", "-t", "0"}, nullptr, "-t 0 is out of range"},
      {{"-d", "x", "-c", "three"}, nullptr, "three"},
  };
  for (const FlagCase& c : cases) {
    std::string joined;
    for (const std::string& a : c.args) joined += a + " ";
    INFO(joined);
    absl::StatusOr<Parameters> p = FromFlags(c.args);
    if (c.json == nullptr) {
      REQUIRE_FALSE(p.ok());
      CHECK_THAT(std::string(p.status().message()), Catch::Contains(c.message_part));
    } else {
      INFO(p.status().message());
      REQUIRE(p.ok());
      CHECK(ParametersToJson(*p) == c.json);
    }
  }
}

}  // namespace
}  // namespace mig::modules::ping
