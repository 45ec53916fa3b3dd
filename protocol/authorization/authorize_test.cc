#include "protocol/authorization/authorize.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"

namespace mig::authorization {
namespace {

using action::Action;
using action::Operation;

crypto::Ed25519KeyPair Key(uint8_t n) {
  std::array<uint8_t, 32> seed{};
  seed[0] = n;
  return crypto::Ed25519KeyPair::FromSeed(seed);
}

const absl::Time kNow = absl::FromUnixSeconds(1800000000);

struct World {
  crypto::Ed25519KeyPair alice = Key(1);
  crypto::Ed25519KeyPair bob = Key(2);
  crypto::Ed25519KeyPair carol = Key(3);    // an investigator outside the memory ACL
  crypto::Ed25519KeyPair mallory = Key(4);  // no investigator at all
  Keyring keys;
  Acl acl;
  AuthorizationPolicy policy;

  World() {
    REQUIRE(keys.Add("alice", alice.public_key()).ok());
    REQUIRE(keys.Add("bob", bob.public_key()).ok());
    REQUIRE(keys.Add("carol", carol.public_key()).ok());
    AclRule everyone;
    everyone.minimum_weight = 1;
    everyone.weights = {{"alice", 1}, {"bob", 1}, {"carol", 1}};
    acl.Set("default", everyone);
    AclRule two_people;  // reading memory takes two investigators
    two_people.minimum_weight = 2;
    two_people.weights = {{"alice", 1}, {"bob", 1}};
    acl.Set("memory", two_people);
  }
};

Action MakeAction(std::vector<std::string> modules, absl::Time from = kNow - absl::Minutes(1),
                  absl::Duration validity = absl::Hours(1)) {
  Action a;
  a.id = 4242;
  a.name = "test";
  a.target = "true";
  a.valid_from = from;
  a.expire_after = from + validity;
  for (const std::string& m : modules) a.operations.push_back(Operation{m, R"({"k":"v"})"});
  return a;
}

void Sign(Action& a, const crypto::Ed25519KeyPair& key) {
  absl::StatusOr<action::Signature> s = action::SignAction(a, key);
  REQUIRE(s.ok());
  a.signatures.push_back(*s);
}

bool KnownModule(std::string_view m) { return m == "file" || m == "memory" || m == "netstat"; }

struct Case {
  const char* what;
  std::function<Action(World&)> make;
  Refusal expected;
  const char* reason_part;
};

TEST_CASE("Authorize refuses each bad case with its own reason, and passes the good ones") {
  const Case cases[] = {
      {"one investigator, default ACL",
       [](World& w) {
         Action a = MakeAction({"file"});
         Sign(a, w.alice);
         return a;
       },
       Refusal::kNone, "signed by alice"},
      {"two investigators for memory",
       [](World& w) {
         Action a = MakeAction({"memory"});
         Sign(a, w.alice);
         Sign(a, w.bob);
         return a;
       },
       Refusal::kNone, "signed by alice, bob"},
      {"extra signature of a known investigator outside the ACL",
       [](World& w) {
         Action a = MakeAction({"memory"});
         Sign(a, w.alice);
         Sign(a, w.carol);
         Sign(a, w.bob);
         return a;
       },
       Refusal::kNone, "alice, carol, bob"},
      {"no signature", [](World&) { return MakeAction({"file"}); }, Refusal::kNoSignature, "not signed"},
      {"unknown signer",
       [](World& w) {
         Action a = MakeAction({"file"});
         Sign(a, w.alice);
         Sign(a, w.mallory);
         return a;
       },
       Refusal::kUnknownSigner, "signature 1 is by key"},
      {"signature that does not verify",
       [](World& w) {
         Action a = MakeAction({"file"});
         Sign(a, w.alice);
         a.signatures[0].signature[5] ^= 1;
         return a;
       },
       Refusal::kBadSignature, "signature 0 by alice"},
      {"changed after signing",
       [](World& w) {
         Action a = MakeAction({"file"});
         Sign(a, w.alice);
         a.target = "all";
         return a;
       },
       Refusal::kBadSignature, "changed after signing"},
      {"signature moved from another action",
       [](World& w) {
         Action other = MakeAction({"file"});
         other.id = 99;
         Sign(other, w.alice);
         Action a = MakeAction({"file"});
         a.signatures = other.signatures;
         return a;
       },
       Refusal::kBadSignature, "belongs to another action"},
      {"the same investigator twice does not make two",
       [](World& w) {
         Action a = MakeAction({"memory"});
         Sign(a, w.alice);
         Sign(a, w.alice);
         return a;
       },
       Refusal::kDuplicateSigner, "alice signed more than once, counted once"},
      {"under-signed memory",
       [](World& w) {
         Action a = MakeAction({"memory"});
         Sign(a, w.alice);
         return a;
       },
       Refusal::kInsufficientWeight, "operation 0 (memory): the signers' weight 1 is below the minimum of 2"},
      {"only the second operation is under-signed (MIG #408)",
       [](World& w) {
         Action a = MakeAction({"file", "memory"});
         Sign(a, w.alice);
         return a;
       },
       Refusal::kInsufficientWeight, "operation 1 (memory)"},
      {"signer not in the module's ACL",
       [](World& w) {
         Action a = MakeAction({"memory"});
         Sign(a, w.carol);
         Sign(a, w.alice);
         return a;
       },
       Refusal::kInsufficientWeight, "weight 1 is below the minimum of 2"},
      {"unknown module",
       [](World& w) {
         Action a = MakeAction({"file", "shell"});
         Sign(a, w.alice);
         return a;
       },
       Refusal::kUnknownModule, "operation 1: no module 'shell'"},
      {"not yet valid",
       [](World& w) {
         Action a = MakeAction({"file"}, kNow + absl::Minutes(10));
         Sign(a, w.alice);
         return a;
       },
       Refusal::kNotYetValid, "not valid before"},
      {"valid soon enough, within the clock skew",
       [](World& w) {
         Action a = MakeAction({"file"}, kNow + absl::Minutes(4));
         Sign(a, w.alice);
         return a;
       },
       Refusal::kNone, ""},
      {"expired",
       [](World& w) {
         Action a = MakeAction({"file"}, kNow - absl::Hours(2));
         Sign(a, w.alice);
         return a;
       },
       Refusal::kExpired, "expired at"},
      {"just expired, within the clock skew",
       [](World& w) {
         Action a = MakeAction({"file"}, kNow - absl::Hours(1) - absl::Minutes(4));
         Sign(a, w.alice);
         return a;
       },
       Refusal::kNone, ""},
      {"valid for too long",
       [](World& w) {
         Action a = MakeAction({"file"}, kNow, absl::Hours(25));
         Sign(a, w.alice);
         return a;
       },
       Refusal::kValidityTooLong, "valid for 25h"},
      {"no id",
       [](World& w) {
         Action a = MakeAction({"file"});
         a.id = 0;
         Sign(a, w.alice);
         return a;
       },
       Refusal::kMalformed, "no id"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    World world;
    Action action = c.make(world);
    Verdict verdict = Authorize(action, kNow, world.acl, world.keys, world.policy, KnownModule, nullptr);
    INFO(verdict.reason);
    CHECK(RefusalName(verdict.refusal) == RefusalName(c.expected));
    CHECK_THAT(verdict.reason, Catch::Contains(c.reason_part));
  }
}

TEST_CASE("class weight-overflow: signers' weights are summed without wrapping") {
  // The configuration refuses such weights (embedded_conf/config_test); the sum must hold even so: bob and carol
  // (2 + 2) with alice's 2^64-1 would wrap to 3 and pass a minimum of 4 on its own... or any minimum.
  World world;
  Acl acl;
  AclRule rule;
  rule.minimum_weight = 5;
  rule.weights = {{"alice", UINT64_MAX}, {"bob", 2}, {"carol", 2}};
  acl.Set("default", rule);
  Action a = MakeAction({"file"});
  Sign(a, world.bob);
  Sign(a, world.carol);
  Verdict two = Authorize(a, kNow, acl, world.keys, world.policy, KnownModule, nullptr);
  CHECK(two.refusal == Refusal::kInsufficientWeight);  // 4 < 5
  Sign(a, world.alice);
  Verdict three = Authorize(a, kNow, acl, world.keys, world.policy, KnownModule, nullptr);
  CHECK(three.authorized());  // at least 2^64-1, not (2^64-1 + 4) mod 2^64 = 3
}

TEST_CASE("A module with no ACL and no default ACL cannot run") {
  World world;
  Acl only_memory;
  AclRule rule;
  rule.minimum_weight = 1;
  rule.weights = {{"alice", 1}};
  only_memory.Set("memory", rule);
  Action a = MakeAction({"file"});
  Sign(a, world.alice);
  Verdict v = Authorize(a, kNow, only_memory, world.keys, world.policy, KnownModule, nullptr);
  CHECK(v.refusal == Refusal::kInsufficientWeight);
  CHECK_THAT(v.reason, Catch::Contains("no ACL allows this module"));
}

TEST_CASE("With a replay cache an action runs once; its JSON form gives the same verdicts") {
  World world;
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string path = absl::StrCat(tmp ? tmp : "/tmp", "/replay-", getpid());
  unlink(path.c_str());
  auto cache = ReplayCache::Open(path, 1000, kNow);
  REQUIRE(cache.ok());
  Action a = MakeAction({"file"});
  Sign(a, world.alice);
  std::string json = action::ActionToJson(a);
  Verdict first = AuthorizeJson(json, kNow, world.acl, world.keys, world.policy, KnownModule, cache->get());
  CHECK(first.authorized());
  Verdict second = AuthorizeJson(json, kNow, world.acl, world.keys, world.policy, KnownModule, cache->get());
  CHECK(second.refusal == Refusal::kReplayed);
  // After a restart too.
  cache->reset();
  auto reopened = ReplayCache::Open(path, 1000, kNow);
  REQUIRE(reopened.ok());
  Verdict third = AuthorizeJson(json, kNow, world.acl, world.keys, world.policy, KnownModule, reopened->get());
  CHECK(third.refusal == Refusal::kReplayed);
  // Verifying (no cache) does not consume the action.
  CHECK(AuthorizeJson(json, kNow, world.acl, world.keys, world.policy, KnownModule, nullptr).authorized());

  Verdict malformed = AuthorizeJson("{\"id\":", kNow, world.acl, world.keys, world.policy, KnownModule, nullptr);
  CHECK(malformed.refusal == Refusal::kMalformed);
  CHECK_THAT(malformed.reason, Catch::Contains("not valid JSON"));
}

}  // namespace
}  // namespace mig::authorization
