// ~/.migrc parsing, target macros and the targets -target-found builds.
#include "investigator/fleet.h"

#include "absl/strings/match.h"
#include "catch2/catch.hpp"

namespace mig::investigator {
namespace {

TEST_CASE("migrc: the API, the key and target macros", "[fleet]") {
  absl::StatusOr<Migrc> rc = ParseMigrc(
      "[api]\n    url = http://127.0.0.1:8393/api/v1\n[key]\n    file = /keys/alice.key\n"
      "[targets]\n    macro = prod:status='online' AND tags->>'env'='prod'\n    macro = web:name LIKE 'web%'\n",
      "migrc");
  INFO(rc.status().message());
  REQUIRE(rc.ok());
  CHECK(rc->api_url == "http://127.0.0.1:8393/api/v1/");
  CHECK(rc->key_file == "/keys/alice.key");
  CHECK(ExpandTarget(*rc, "prod") == "status='online' AND tags->>'env'='prod'");
  CHECK(ExpandTarget(*rc, "web") == "name LIKE 'web%'");
  CHECK(ExpandTarget(*rc, "name='x'") == "name='x'");
}

struct BadMigrc {
  const char* text;
  const char* message;
};

constexpr BadMigrc kBad[] = {
    {"[key]\n file = k\n", "no [api] url"},
    {"[api]\n url = http://x/\n", "no [key] file"},
    {"[api]\n url = ftp://x/\n[key]\n file = k\n", "api url: bad URL 'ftp://x/': the scheme must be http or https"},
    {"[api]\n url = https://x/\n[key]\n file = k\n", "needs [api] ca"},
    {"[api]\n url = http://x/\n[key]\n file = k\n[targets]\n macro = nocolon\n", "name:condition"},
    {"[api]\n url = http://x/\n[key]\n file = k\n[gpg]\n home = x\n", "unknown setting [gpg] home"},
    {"[api]\n url = http://x/\n[key]\n file = k\n[api]\n ca = /nonexistent/ca.pem\n", "/nonexistent/ca.pem"},
};

TEST_CASE("migrc: mistakes are named", "[fleet]") {
  for (const BadMigrc& c : kBad) {
    INFO(c.text);
    absl::StatusOr<Migrc> rc = ParseMigrc(c.text, "migrc");
    REQUIRE_FALSE(rc.ok());
    CHECK(absl::StrContains(rc.status().message(), c.message));
  }
}

TEST_CASE("targets for the agents of an earlier action", "[fleet]") {
  CHECK(TargetForAgents("status='online'", {"web1", "db.2"}) == "(status='online') AND name IN ('web1','db.2')");
  CHECK(TargetForAgents("", {"a"}) == "name IN ('a')");
  CHECK(TargetForAgents("true", {"it's"}) == "(true) AND name IN ('it''s')");
  CHECK(QueryEscape("name LIKE 'w%'") == "name%20LIKE%20%27w%25%27");
}

}  // namespace
}  // namespace mig::investigator
