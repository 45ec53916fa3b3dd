#include "modules/memory/parameters.h"

#include <algorithm>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "catch2/catch.hpp"
#include "modules/memory/command_line.h"

namespace mig::modules::memory {
namespace {

TEST_CASE("MIG's memory parameters parse, and print back the same") {
  absl::StatusOr<Parameters> p = ParseParameters(R"({"searches":{
      "s1":{"description":"sshd keys","names":["sshd$"],"libraries":["libcrypto"],"contents":["ssh-rsa"],
            "bytes":["6D69672e"],"options":{"offset":4096,"maxlength":1048576.0,"logfailures":true,"matchall":true}},
      "other-2":{"bytes":["00ff"],"options":{}}}})");
  REQUIRE(p.ok());
  REQUIRE(p->searches.size() == 2);
  const Search& s1 = p->searches.at("s1");
  CHECK(s1.description == "sshd keys");
  CHECK(s1.names == std::vector<std::string>{"sshd$"});
  CHECK(s1.libraries == std::vector<std::string>{"libcrypto"});
  CHECK(s1.contents == std::vector<std::string>{"ssh-rsa"});
  CHECK(s1.bytes == std::vector<std::string>{"6D69672e"});
  CHECK(s1.options.offset == 4096);
  CHECK(s1.options.max_length == 1048576);
  CHECK(s1.options.log_failures);
  CHECK(s1.options.match_all);
  // MIG's JSON default is matchany (Go's zero value); only the command line defaults to matchall.
  CHECK_FALSE(p->searches.at("other-2").options.match_all);
  absl::StatusOr<Parameters> again = ParseParameters(ParametersToJson(*p));
  REQUIRE(again.ok());
  CHECK(ParametersToJson(*again) == ParametersToJson(*p));
  // Go's encoding/json reads null as an empty list.
  CHECK(ParseParameters(R"({"searches":{"s1":{"names":["x"],"contents":null}}})").ok());
}

struct BadCase {
  const char* json;
  const char* message_part;
};

TEST_CASE("Bad parameters are refused, naming the field or value") {
  const BadCase cases[] = {
      {R"({})", "no search"},
      {R"({"searches":{}})", "no search"},
      {R"({"searches":{"s1":{}}})", "no check"},
      {R"({"searches":{"s1":{"names":["x"],"paths":["/"]}}})", "paths"},
      {R"({"searches":{"s1":{"names":"x"}}})", "searches.s1.names"},
      {R"({"searches":{"s1":{"names":["("]}}})", "invalid name regex '('"},
      {R"({"searches":{"s1":{"libraries":["[a"]}}})", "invalid library regex '[a'"},
      {R"({"searches":{"s1":{"contents":["a**"]}}})", "invalid content regex 'a**'"},
      {R"({"searches":{"s1":{"contents":[""]}}})", "empty content regex"},
      {R"({"searches":{"s1":{"bytes":["abc"]}}})", "invalid bytes 'abc': odd number"},
      {R"({"searches":{"s1":{"bytes":["0xff"]}}})", "invalid bytes '0xff'"},
      {R"({"searches":{"s1":{"bytes":["zz"]}}})", "'z' is not a hex digit"},
      {R"({"searches":{"s1":{"bytes":[""]}}})", "invalid bytes ''"},
      {R"({"searches":{"s1":{"names":["x"],"options":{"offset":-1}}}})", "searches.s1.options.offset"},
      {R"({"searches":{"s1":{"names":["x"],"options":{"offset":1.5}}}})", "searches.s1.options.offset"},
      {R"({"searches":{"s1":{"names":["x"],"options":{"maxlength":"10"}}}})", "searches.s1.options.maxlength"},
      {R"({"searches":{"s1":{"names":["x"],"options":{"maxlength":1e30}}}})", "searches.s1.options.maxlength"},
      {R"({"searches":{"s1":{"names":["x"],"options":{"matchall":1}}}})", "searches.s1.options.matchall"},
      {R"({"searches":{"s1":{"names":["x"],"options":{"logfailures":"yes"}}}})", "searches.s1.options.logfailures"},
      {R"({"searches":{"s1":{"names":["x"],"options":{"maxdepth":3}}}})", "maxdepth"},
      {R"({"searches":{"bad label":{"names":["x"]}}})", "search label 'bad label'"},
      {R"({"searches":{"s1":{"names":["x"]},"s1":{"names":["y"]}}})", "more than once"},
      {R"({"searches":{"s1":{"names":["x"]}},"extra":1})", "extra"},
  };
  for (const BadCase& c : cases) {
    INFO(c.json);
    absl::StatusOr<Parameters> p = ParseParameters(c.json);
    REQUIRE_FALSE(p.ok());
    INFO(p.status().message());
    CHECK(p.status().message().find(c.message_part) != std::string_view::npos);
  }
}

TEST_CASE("DecodeHex reads either case") {
  CHECK(DecodeHex("6d69672E4D4947").value() == "mig.MIG");
  CHECK(DecodeHex("00ff").value() == std::string("\0\xff", 2));
  CHECK_FALSE(DecodeHex("6").ok());
  CHECK_FALSE(DecodeHex("6g").ok());
  absl::StatusOr<Parameters> too_long = ParseParameters(std::string(R"({"searches":{"s1":{"bytes":[")") +
                                                        std::string(2 * kMaxBytesPatternLength + 2, 'a') + R"("]}}})");
  REQUIRE_FALSE(too_long.ok());
  CHECK(too_long.status().message().find("longer than the maximum") != std::string_view::npos);
}

struct FlagCase {
  std::vector<std::string> args;  // as the investigator hands them to CLI11, after Go-flag normalization
  const char* json;
};

absl::StatusOr<std::string> JsonFromFlags(std::vector<std::string> args) {
  CLI::App app;
  MemoryCommandLine command_line;
  command_line.AddFlags(app);
  std::reverse(args.begin(), args.end());  // CLI11 takes a vector of arguments last first
  app.parse(args);
  return command_line.ParametersJson("/");
}

TEST_CASE("MIG's flags give MIG's parameters") {
  const FlagCase cases[] = {
      {{"--name=sshd", "--content=ssh-rsa"},
       R"({"searches":{"s1":{"names":["sshd"],"contents":["ssh-rsa"],"options":{"matchall":true}}}})"},
      {{"--lib=libssl", "--lib=libcrypto", "--bytes=6d6967", "--matchany", "--logfailures"},
       R"({"searches":{"s1":{"libraries":["libssl","libcrypto"],"bytes":["6d6967"],"options":{"logfailures":true,"matchall":false}}}})"},
      {{"--content=x", "--offset=0x7f0000000000", "--maxlength=4096"},
       R"({"searches":{"s1":{"contents":["x"],"options":{"offset":139637976727552,"maxlength":4096,"matchall":true}}}})"},
      {{"--content=x", "--offset=12", "--matchall"},
       R"({"searches":{"s1":{"contents":["x"],"options":{"offset":12,"matchall":true}}}})"},
  };
  for (const FlagCase& c : cases) {
    INFO(c.json);
    absl::StatusOr<std::string> json = JsonFromFlags(c.args);
    REQUIRE(json.ok());
    CHECK(*json == c.json);
  }
  const BadCase bad[] = {
      {"--offset=12k", "-offset: '12k' is not a number"},
      {"--offset=0x", "-offset: '0x' is not a number"},
      {"--maxlength=-1", "-maxlength: '-1' is not a number"},
      {"--maxlength=99999999999999999999", "-maxlength"},
      {"--bytes=xyz", "invalid bytes 'xyz'"},
      {"--name=(", "invalid name regex '('"},
      {"--matchany", "no check"},
  };
  for (const BadCase& c : bad) {
    INFO(c.json);
    absl::StatusOr<std::string> json = JsonFromFlags({c.json});
    REQUIRE_FALSE(json.ok());
    INFO(json.status().message());
    CHECK(json.status().message().find(c.message_part) != std::string_view::npos);
  }
}

}  // namespace
}  // namespace mig::modules::memory
