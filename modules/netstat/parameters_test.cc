#include "modules/netstat/parameters.h"

#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "modules/netstat/command_line.h"

namespace mig::modules::netstat {
namespace {

TEST_CASE("ParseParameters reads MIG's netstat parameters") {
  absl::StatusOr<Parameters> p = ParseParameters(
      R"({"localmac":["^8c:70"],"neighbormac":["8C:70:5A:C8:BE:50"],"localip":["10.0.0.0/8","::1"],)"
      R"("neighborip":["fe80::1"],"connectedip":["192.0.2.0/24"],"listeningport":["22","65535"],"namespaces":true})");
  REQUIRE(p.ok());
  CHECK(p->local_mac == std::vector<std::string>{"^8c:70"});
  CHECK(p->neighbor_mac == std::vector<std::string>{"8C:70:5A:C8:BE:50"});
  CHECK(p->local_ip == std::vector<std::string>{"10.0.0.0/8", "::1"});
  CHECK(p->neighbor_ip == std::vector<std::string>{"fe80::1"});
  CHECK(p->connected_ip == std::vector<std::string>{"192.0.2.0/24"});
  CHECK(p->listening_port == std::vector<std::string>{"22", "65535"});
  CHECK(p->namespaces);
  // Round trip through MIG's JSON.
  absl::StatusOr<Parameters> again = ParseParameters(ParametersToJson(*p));
  REQUIRE(again.ok());
  CHECK(ParametersToJson(*again) == ParametersToJson(*p));
  CHECK(ParametersToJson(*p) ==
        R"({"localmac":["^8c:70"],"localip":["10.0.0.0/8","::1"],"neighbormac":["8C:70:5A:C8:BE:50"],)"
        R"("neighborip":["fe80::1"],"connectedip":["192.0.2.0/24"],"listeningport":["22","65535"],"namespaces":true})");
  // Go's encoding/json reads null as an empty list.
  CHECK(ParseParameters(R"({"listeningport":["22"],"localmac":null,"namespaces":false})").ok());
}

struct BadCase {
  const char* json;
  const char* message_part;  // the error must name the culprit
};

TEST_CASE("ParseParameters rejects bad parameters, naming the bad field or value") {
  const BadCase cases[] = {
      {R"({})", "no check"},
      {R"({"namespaces":true})", "no check"},
      {R"({"listeningports":["22"]})", "listeningports"},
      {R"({"listeningport":[22]})", "listeningport"},
      {R"({"listeningport":"22"})", "listeningport"},
      {R"({"listeningport":["0"]})", "'0'"},
      {R"({"listeningport":["65536"]})", "'65536'"},
      {R"({"listeningport":["+22"]})", "'+22'"},
      {R"({"listeningport":["ssh"]})", "'ssh'"},
      {R"({"localmac":["("]})", "'('"},
      {R"({"neighbormac":[""]})", "neighbormac"},
      {R"({"localip":["10.0.0.0/33"]})", "'10.0.0.0/33'"},
      {R"({"neighborip":["fe80::1%eth0"]})", "'fe80::1%eth0'"},
      {R"({"connectedip":["example.com"]})", "'example.com'"},
      {R"({"namespaces":"yes","localip":["::1"]})", "namespaces"},
      {R"([])", "object"},
      {R"({"localip":["::1"],"localip":["::2"]})", "localip"},
  };
  for (const BadCase& c : cases) {
    INFO(c.json);
    absl::StatusOr<Parameters> p = ParseParameters(c.json);
    REQUIRE_FALSE(p.ok());
    INFO(p.status().message());
    CHECK(p.status().message().find(c.message_part) != std::string_view::npos);
  }
}

struct FlagCase {
  std::vector<std::string> args;  // as the investigator hands them to CLI11, after Go-flag normalization
  const char* json;
};

absl::StatusOr<std::string> JsonFromFlags(std::vector<std::string> args) {
  CLI::App app;
  NetstatCommandLine command_line;
  command_line.AddFlags(app);
  std::reverse(args.begin(), args.end());  // CLI11 takes a vector of arguments last first
  app.parse(args);
  return command_line.ParametersJson("/");
}

TEST_CASE("MIG's flags give MIG's parameters") {
  const FlagCase cases[] = {
      {{"--nm=8c:70:5a:c8:be:50"}, R"({"neighbormac":["8c:70:5a:c8:be:50"]})"},
      {{"--lm=^02:fc", "--lm=^52", "--li=10.0.0.0/8"}, R"({"localmac":["^02:fc","^52"],"localip":["10.0.0.0/8"]})"},
      {{"--ni=fe80::1", "--ci=192.0.2.0/24", "--ci=::1", "--lp=22", "--namespaces"},
       R"({"neighborip":["fe80::1"],"connectedip":["192.0.2.0/24","::1"],"listeningport":["22"],"namespaces":true})"},
  };
  for (const FlagCase& c : cases) {
    INFO(c.json);
    absl::StatusOr<std::string> json = JsonFromFlags(c.args);
    REQUIRE(json.ok());
    CHECK(*json == c.json);
  }
  absl::StatusOr<std::string> bad_port = JsonFromFlags({"--lp=99999"});
  REQUIRE_FALSE(bad_port.ok());
  CHECK(bad_port.status().message().find("'99999'") != std::string_view::npos);
  CHECK_FALSE(JsonFromFlags({"--namespaces"}).ok());
  CHECK_FALSE(JsonFromFlags({"--ci=10.0.0.0/40"}).ok());
}

}  // namespace
}  // namespace mig::modules::netstat
