#include "modules/file/parameters.h"

#include <string>

#include "catch2/catch.hpp"

namespace mig::modules::file {
namespace {

struct SizeCase {
  const char* input;
  uint64_t min;
  uint64_t max;
};

TEST_CASE("ParseSize reads MIG's size filters in powers of 1024") {
  const SizeCase cases[] = {
      {"4096", 4096, 4096}, {"<10m", 0, 10ull << 20}, {">1g", 1ull << 30, 9223372036854775807ull},
      {"2k", 2048, 2048},   {"<1t", 0, 1ull << 40},   {"0", 0, 0},
  };
  for (const SizeCase& c : cases) {
    INFO(c.input);
    absl::StatusOr<SizeRange> size = ParseSize(c.input);
    REQUIRE(size.ok());
    CHECK(size->min == c.min);
    CHECK(size->max == c.max);
  }
  for (const char* bad : {"", "<", "k", "10x", "1.5m", "-1", "<>1", "99999999999999999999", "20000000t", "10 m"}) {
    INFO(bad);
    CHECK_FALSE(ParseSize(bad).ok());
  }
}

struct MtimeCase {
  const char* input;
  bool newer;
  int64_t seconds;
};

TEST_CASE("ParseMtime reads MIG's mtime filters") {
  const MtimeCase cases[] = {{"<90d", true, 90 * 86400}, {">1h", false, 3600}, {"<5m", true, 300}, {">0d", false, 0}};
  for (const MtimeCase& c : cases) {
    INFO(c.input);
    absl::StatusOr<MtimeFilter> mtime = ParseMtime(c.input);
    REQUIRE(mtime.ok());
    CHECK(mtime->newer_than == c.newer);
    CHECK(mtime->seconds == c.seconds);
  }
  for (const char* bad : {"", "90d", "<90", "<d", "<90s", "=1h", "<-1h", "<1.5h"}) {
    INFO(bad);
    CHECK_FALSE(ParseMtime(bad).ok());
  }
}

TEST_CASE("CleanPath cleans like Go's filepath.Clean") {
  const std::pair<const char*, const char*> cases[] = {
      {"/", "/"},
      {"/usr/", "/usr"},
      {"//usr//bin", "/usr/bin"},
      {"/usr/./bin", "/usr/bin"},
      {"/usr/../etc", "/etc"},
      {"/..", "/"},
      {"/a/b/../../c", "/c"},
      {"a/../b", "b"},
      {"", "."},
  };
  for (const auto& [in, out] : cases) CHECK(CleanPath(in) == out);
}

TEST_CASE("MIG parameters JSON parses into searches") {
  absl::StatusOr<Parameters> p = ParseParameters(R"({"searches":{
      "checkforverboselogging":{"paths":["/etc/ssh/sshd_config"],"contents":["(?i)^loglevel verbose$"]},
      "another":{"description":"d","paths":["/usr"],"sizes":["<371m"],"modes":["^-r-xr-x--"],
        "sha2":["fff415292dc59cc99d43e70fd69347d09b9bd7a581f4d77b6ec0fa902ebaaec8"],
        "options":{"matchall":true,"maxdepth":3,"decompress":true,"mismatch":null,"matchlimit":10.0,
                   "remotefs":false,"debug":"print","returnsha256":true,"macroal":false,"maxerrors":5,
                   "links":"own"}}}})");
  INFO(p.status().message());
  REQUIRE(p.ok());
  REQUIRE(p->searches.size() == 2);
  const Search& another = p->searches.at("another");
  CHECK(another.options.max_depth == 3);
  CHECK(another.options.match_limit == 10);
  CHECK(another.options.max_errors == 5);
  CHECK(another.options.decompress);
  CHECK(another.options.return_sha256);
  CHECK(another.options.links_own);
  CHECK_FALSE(p->searches.at("checkforverboselogging").options.links_own);
  CHECK(another.CheckCount() == 3);

  // What we write reads back the same.
  absl::StatusOr<Parameters> again = ParseParameters(ParametersToJson(*p));
  REQUIRE(again.ok());
  CHECK(ParametersToJson(*again) == ParametersToJson(*p));
}

struct ErrorCase {
  const char* json;
  const char* message_part;
};

const ErrorCase kErrorCases[] = {
    {R"([])", "document: expected an object"},
    {R"({})", "no search"},
    {R"({"searches":{}})", "no search"},
    {R"({"search":{}})", "unknown field \"search\""},
    {R"({"searches":{"s1":{"paths":["/"],"names":["x"],"nmes":["y"]}}})", "searches.s1: unknown field \"nmes\""},
    {R"({"searches":{"s1":{"paths":["/"],"names":["x"],"options":{"matchal":true}}}})",
     "searches.s1.options: unknown field \"matchal\""},
    {R"({"searches":{"s1":{"paths":["/"],"names":["x"],"options":{"maxdepth":"3"}}}})",
     "searches.s1.options.maxdepth: expected a whole number, got string"},
    {R"({"searches":{"s1":{"paths":["/"],"names":["x"],"options":{"maxdepth":-3}}}})", "not a whole number"},
    {R"({"searches":{"s1":{"paths":["/"],"names":["x"],"options":{"matchall":"yes"}}}})", "expected true or false"},
    {R"({"searches":{"s1":{"paths":"/","names":["x"]}}})", "searches.s1.paths: expected an array of strings"},
    {R"({"searches":{"s1":{"paths":[1],"names":["x"]}}})", "searches.s1.paths[0]: expected a string, got number"},
    {R"({"searches":{"s1":{"names":["x"]}}})", "search 's1': no path"},
    {R"({"searches":{"s1":{"paths":["etc"],"names":["x"]}}})", "path 'etc' is not absolute"},
    {R"({"searches":{"s1":{"paths":["/etc"]}}})", "no check"},
    {R"({"searches":{"s1":{"paths":["/"],"names":["(unclosed"]}}})", "invalid name regex '(unclosed'"},
    {R"({"searches":{"s1":{"paths":["/"],"contents":["a**"]}}})", "invalid content regex 'a**'"},
    {R"({"searches":{"s1":{"paths":["/"],"names":[""]}}})", "empty name regex"},
    {R"({"searches":{"s1":{"paths":["/"],"modes":["[x"]}}})", "invalid mode regex"},
    {R"({"searches":{"s1":{"paths":["/"],"sizes":["10q"]}}})", "invalid size '10q'"},
    {R"({"searches":{"s1":{"paths":["/"],"mtimes":["90d"]}}})", "invalid mtime '90d'"},
    {R"({"searches":{"s1":{"paths":["/"],"md5":["abc"]}}})", "invalid md5 hash 'abc': expected 32 hex digits"},
    {R"({"searches":{"s1":{"paths":["/"],"md5":["zz0cc175b9c0f1b6a831c399e269772z"]}}})", "invalid md5 hash"},
    {R"({"searches":{"s1":{"paths":["/"],"sha1":["a9993e364706816aba3e25717850c26c9cd0d89"]}}})", "40 hex digits"},
    {R"({"searches":{"s1":{"paths":["/"],"sha2":["abcd"]}}})", "expected 56, 64, 96 or 128 hex digits"},
    {R"({"searches":{"s1":{"paths":["/"],"sha3":["abcd"]}}})", "SHA3-224"},
    {R"({"searches":{"s1":{"paths":["/"],"names":["x"],"options":{"mismatch":["nam"]}}}})", "invalid mismatch 'nam'"},
    {R"({"searches":{"s1":{"paths":["/"],"names":["x"],"options":{"links":"sideways"}}}})",
     "searches.s1.options.links: 'sideways' is not follow or own"},
    {R"({"searches":{"s1":{"paths":["/"],"names":["x"],"options":{"links":true}}}})", "searches.s1.options.links"},
    {R"({"searches":{"s1":{"paths":["/"],"names":["x"]},"s1":{"paths":["/"],"names":["y"]}}})",
     "appears more than once"},
    {R"({"searches":{"":{"paths":["/"],"names":["x"]}}})", "search label '' must be 1 to 64 characters"},
    {R"({"searches":{"s1":{"paths":["/"],"names":["x"]})", "not valid JSON"},
};

TEST_CASE("Invalid parameters are refused with the field and the reason") {
  for (const ErrorCase& c : kErrorCases) {
    INFO(c.json);
    absl::StatusOr<Parameters> p = ParseParameters(c.json);
    REQUIRE_FALSE(p.ok());
    CHECK_THAT(std::string(p.status().message()), Catch::Contains(c.message_part));
  }
}

}  // namespace
}  // namespace mig::modules::file
