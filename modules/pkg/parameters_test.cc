#include "modules/pkg/parameters.h"

#include <algorithm>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "modules/pkg/command_line.h"

namespace mig::modules::pkg {
namespace {

struct JsonCase {
  const char* json;
  std::vector<std::string> names;
  const char* version;
};

TEST_CASE("MIG's pkg parameters JSON parses") {
  const JsonCase cases[] = {
      {R"({"pkgmatch":{"matches":["^openssl$"]}})", {"^openssl$"}, ""},
      {R"({"pkgmatch":{"matches":["^libssl","linux-image"]},"vermatch":"^3\\."})", {"^libssl", "linux-image"}, "^3\\."},
      {R"({"pkgmatch":{"matches":["bash"]},"vermatch":"!^5"})", {"bash"}, "!^5"},
      {R"({"pkgmatch":{"matches":["bash"]},"vermatch":""})", {"bash"}, ""},
      {R"({"vermatch":"!","pkgmatch":{"matches":["x"]}})", {"x"}, "!"},
  };
  for (const JsonCase& c : cases) {
    INFO(c.json);
    absl::StatusOr<Parameters> p = ParseParameters(c.json);
    INFO(p.status().message());
    REQUIRE(p.ok());
    CHECK(p->name_matches == c.names);
    CHECK(p->version_match == c.version);
    // What we write reads back the same.
    absl::StatusOr<Parameters> again = ParseParameters(ParametersToJson(*p));
    REQUIRE(again.ok());
    CHECK(again->name_matches == c.names);
    CHECK(again->version_match == c.version);
  }
}

struct BadCase {
  const char* json;
  const char* message_part;
};

TEST_CASE("Invalid pkg parameters are refused with the field named") {
  const BadCase cases[] = {
      {R"({})", "at least one package"},
      {R"({"pkgmatch":null})", "at least one package"},
      {R"({"pkgmatch":{"matches":[]}})", "at least one package"},
      {R"({"pkgmatch":{"matches":null}})", "at least one package"},
      {R"({"pkgmatch":{"matches":["a("]}})", "pkgmatch.matches[0]: invalid regex 'a('"},
      {R"({"pkgmatch":{"matches":["ok",""]}})", "pkgmatch.matches[1]: empty regex"},
      {R"({"pkgmatch":{"matches":["ok"]},"vermatch":"!(["})", "vermatch: invalid regex '(['"},
      {R"({"pkgmatch":{"matches":"openssl"}})", "pkgmatch.matches"},
      {R"({"pkgmatch":{"matches":[1]}})", "pkgmatch.matches[0]"},
      {R"({"pkgmatch":{"matches":["a"]},"vermatch":3})", "vermatch"},
      {R"({"pkgmatch":{"matches":["a"],"match":["b"]}})", "match"},
      {R"({"pkgmatch":{"matches":["a"]},"version":"1"})", "version"},
      {R"({"pkgmatch":["a"]})", "pkgmatch"},
      {R"([])", "object"},
      {R"({"pkgmatch":{"matches":["a"]})", "parameters"},
  };
  for (const BadCase& c : cases) {
    INFO(c.json);
    absl::StatusOr<Parameters> p = ParseParameters(c.json);
    REQUIRE_FALSE(p.ok());
    INFO(p.status().message());
    CHECK(std::string(p.status().message()).find(c.message_part) != std::string::npos);
  }
}

struct FlagCase {
  std::vector<std::string> args;  // in the order typed
  const char* json;               // expected parameters, or nullptr for an error
  const char* message_part;
};

TEST_CASE("pkg flags become MIG's parameters") {
  const FlagCase cases[] = {
      {{"--name=^openssl$"}, R"({"pkgmatch":{"matches":["^openssl$"]},"vermatch":""})", ""},
      {{"--name=^libssl", "--name=^openssl", "--version=!^1\\."},
       R"({"pkgmatch":{"matches":["^libssl","^openssl"]},"vermatch":"!^1\\."})",
       ""},
      {{}, nullptr, "-name: at least one"},
      {{"--version=^1"}, nullptr, "-name: at least one"},
      {{"--name=(("}, nullptr, "-name: invalid regex '(('"},
      {{"--name=a", "--version=!)"}, nullptr, "-version: invalid regex ')'"},
  };
  for (const FlagCase& c : cases) {
    PkgCommandLine command_line;
    CLI::App app;
    command_line.AddFlags(app);
    std::vector<std::string> reversed(c.args.rbegin(), c.args.rend());
    app.parse(reversed);
    absl::StatusOr<std::string> json = command_line.ParametersJson("/");
    if (c.json != nullptr) {
      INFO(json.status().message());
      REQUIRE(json.ok());
      CHECK(*json == c.json);
    } else {
      REQUIRE_FALSE(json.ok());
      INFO(json.status().message());
      CHECK(std::string(json.status().message()).find(c.message_part) != std::string::npos);
    }
  }
}

}  // namespace
}  // namespace mig::modules::pkg
