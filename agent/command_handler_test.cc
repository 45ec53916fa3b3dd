// One command as the agent handles it: a signed action runs in a child of the real binary; unsigned,
// expired, replayed or under-signed ones are refused with the reason, and nothing runs twice.
#include "agent/command_handler.h"

#include <climits>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "catch2/catch.hpp"
#include "protocol/action/action.h"
#include "test/cli_harness.h"

namespace mig::agent {
namespace {

struct Fixture {
  crypto::Ed25519KeyPair alice = crypto::Ed25519KeyPair::Generate();
  crypto::Ed25519KeyPair mallory = crypto::Ed25519KeyPair::Generate();
  authorization::Keyring keys;
  authorization::Acl acl;
  std::unique_ptr<authorization::ReplayCache> cache;
  HandlerContext context;
  std::string dir = test::TempDir();

  Fixture() {
    REQUIRE(keys.Add("alice", alice.public_key()).ok());
    authorization::AclRule everyone;
    everyone.minimum_weight = 1;
    everyone.weights["alice"] = 1;
    acl.Set("default", everyone);
    absl::StatusOr<std::unique_ptr<authorization::ReplayCache>> opened =
        authorization::ReplayCache::Open(dir + "/replay", 1000, absl::Now());
    REQUIRE(opened.ok());
    cache = std::move(*opened);
    char binary[PATH_MAX];
    REQUIRE(realpath("mig", binary) != nullptr);
    context = {
        .acl = &acl, .keys = &keys, .replay_cache = cache.get(), .binary = binary, .module_timeout = absl::Seconds(30)};
    test::WriteFile(dir + "/needle.txt", "x");
  }

  std::string SignedAction(const crypto::Ed25519KeyPair& key, absl::Time now = absl::Now()) {
    action::Action a = action::NewAction("find needle", "status='online'", now, absl::Minutes(10));
    a.operations.push_back(
        {"file", absl::StrCat(R"({"searches":{"s1":{"names":["^needle\\.txt$"],"paths":[")", dir, R"("]}}})")});
    absl::StatusOr<action::Signature> signature = action::SignAction(a, key);
    REQUIRE(signature.ok());
    a.signatures.push_back(*signature);
    return action::ActionToJson(a);
  }
};

TEST_CASE("A signed action runs once; a replay is refused") {
  Fixture f;
  protocol::Command command{.id = 7, .action_json = f.SignedAction(f.alice)};
  protocol::Result result = HandleCommand(command, f.context);
  INFO(result.reason);
  CHECK(result.status == protocol::ResultStatus::kSuccess);
  CHECK(result.command == 7);
  REQUIRE(result.operation_results.size() == 1);
  CHECK(result.operation_results[0].find("\"foundanything\":true") != std::string::npos);

  protocol::Result again = HandleCommand(command, f.context);
  CHECK(again.status == protocol::ResultStatus::kRefused);
  CHECK(again.reason.find("replay") != std::string::npos);
  CHECK(again.operation_results.empty());
}

TEST_CASE("Actions the agent must not run are refused with the reason") {
  Fixture f;
  protocol::Result unknown_signer = HandleCommand({.id = 1, .action_json = f.SignedAction(f.mallory)}, f.context);
  CHECK(unknown_signer.status == protocol::ResultStatus::kRefused);
  CHECK(unknown_signer.reason.find("unknown") != std::string::npos);

  protocol::Result expired =
      HandleCommand({.id = 2, .action_json = f.SignedAction(f.alice, absl::Now() - absl::Hours(2))}, f.context);
  CHECK(expired.status == protocol::ResultStatus::kExpired);

  protocol::Result malformed = HandleCommand({.id = 3, .action_json = R"({"name": 1})"}, f.context);
  CHECK(malformed.status == protocol::ResultStatus::kRefused);
  CHECK(malformed.reason.find("malformed action") != std::string::npos);

  std::string tampered = f.SignedAction(f.alice);
  size_t at = tampered.find("find needle");
  REQUIRE(at != std::string::npos);
  tampered.replace(at, 11, "find noodle");
  protocol::Result changed = HandleCommand({.id = 4, .action_json = tampered}, f.context);
  CHECK(changed.status == protocol::ResultStatus::kRefused);
}

}  // namespace
}  // namespace mig::agent
