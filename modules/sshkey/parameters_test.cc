#include "modules/sshkey/parameters.h"

#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "modules/sshkey/command_line.h"

namespace mig::modules::sshkey {
namespace {

struct JsonCase {
  const char* json;
  std::vector<std::string> paths;
  uint64_t max_depth;
  uint64_t effective_depth;
};

TEST_CASE("MIG's sshkey parameters JSON parses") {
  const JsonCase cases[] = {
      {R"({})", {}, 0, 8},
      {R"({"paths":null,"maxdepth":0})", {}, 0, 8},
      {R"({"paths":["/home","/etc/ssh"],"maxdepth":3})", {"/home", "/etc/ssh"}, 3, 3},
      {R"({"maxdepth":1000.0})", {}, 1000, 1000},
  };
  for (const JsonCase& c : cases) {
    INFO(c.json);
    absl::StatusOr<Parameters> p = ParseParameters(c.json);
    INFO(p.status().message());
    REQUIRE(p.ok());
    CHECK(p->paths == c.paths);
    CHECK(p->max_depth == c.max_depth);
    CHECK(p->EffectiveMaxDepth() == c.effective_depth);
    absl::StatusOr<Parameters> again = ParseParameters(ParametersToJson(*p));
    REQUIRE(again.ok());
    CHECK(again->paths == c.paths);
    CHECK(again->max_depth == c.max_depth);
  }
}

struct BadCase {
  const char* json;
  const char* message_part;
};

TEST_CASE("Invalid sshkey parameters are refused with the field named") {
  const BadCase cases[] = {
      {R"({"maxdepth":1001})", "maxdepth"},
      {R"({"maxdepth":-1})", "maxdepth"},
      {R"({"maxdepth":2.5})", "maxdepth"},
      {R"({"maxdepth":"3"})", "maxdepth"},
      {R"({"paths":"/home"})", "paths"},
      {R"({"paths":["home"]})", "paths[0]: 'home' is not an absolute path"},
      {R"({"paths":["/a",""]})", "paths[1]: '' is not an absolute path"},
      {R"({"paths":[1]})", "paths[0]"},
      {R"({"path":["/home"]})", "path"},
      {R"([])", "object"},
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
  std::vector<std::string> args;
  const char* json;  // nullptr: an error containing message_part
  const char* message_part;
};

TEST_CASE("sshkey flags become MIG's parameters") {
  const FlagCase cases[] = {
      {{}, R"({"paths":[],"maxdepth":0})", ""},
      {{"--path=/home", "--path=/etc/ssh", "--maxdepth=2"}, R"({"paths":["/home","/etc/ssh"],"maxdepth":2})", ""},
      {{"--path=keys"}, R"({"paths":["/work/keys"],"maxdepth":0})", ""},
      {{"--maxdepth=1001"}, nullptr, "-maxdepth: 1001 is out of range 0-1000"},
  };
  for (const FlagCase& c : cases) {
    SshkeyCommandLine command_line;
    CLI::App app;
    command_line.AddFlags(app);
    std::vector<std::string> reversed(c.args.rbegin(), c.args.rend());
    app.parse(reversed);
    absl::StatusOr<std::string> json = command_line.ParametersJson("/work");
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
}  // namespace mig::modules::sshkey
