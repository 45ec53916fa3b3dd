#include "protocol/action/action.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "catch2/catch.hpp"

namespace mig::action {
namespace {

constexpr char kAction[] = R"({
  "id": 123456789,
  "name": "find passwd",
  "target": "status='online'",
  "description": {"author": "Alice", "email": "alice@example.net", "url": "https://ir.example.net/1", "revision": 2},
  "threat": {"ref": "IR-1", "level": "high", "family": "compromise", "type": "forensics"},
  "validfrom": "2027-01-15T08:00:00Z",
  "expireafter": "2027-01-15T09:00:00Z",
  "operations": [
    {"module": "file", "parameters": {"searches": {"s1": {"paths": ["/etc"], "names": ["^passwd$"]}}}},
    {"module": "netstat", "parameters": {"neighbormac": ["^8c:70:5a"]}}
  ],
  "syntaxversion": 2
})";

crypto::Ed25519KeyPair Key(uint8_t n) {
  std::array<uint8_t, 32> seed{};
  seed[0] = n;
  return crypto::Ed25519KeyPair::FromSeed(seed);
}

TEST_CASE("A MIG action parses into every field") {
  absl::StatusOr<Action> a = ParseAction(kAction);
  INFO(a.status().message());
  REQUIRE(a.ok());
  CHECK(a->id == 123456789);
  CHECK(a->name == "find passwd");
  CHECK(a->description.author == "Alice");
  CHECK(a->description.revision == 2);
  CHECK(a->threat.level == "high");
  CHECK(a->valid_from == absl::FromUnixSeconds(1800000000));
  CHECK(a->expire_after - a->valid_from == absl::Hours(1));
  REQUIRE(a->operations.size() == 2);
  CHECK(a->operations[0].parameters == R"({"searches":{"s1":{"names":["^passwd$"],"paths":["/etc"]}}})");
  CHECK(a->signatures.empty());
}

TEST_CASE("The signed bytes ignore spacing and key order, and round-trip through the JSON") {
  Action a = *ParseAction(kAction);
  std::string reordered = absl::StrReplaceAll(kAction, {{"\n", ""}, {"  ", " "}});
  reordered = absl::StrReplaceAll(
      reordered, {{R"("paths": ["/etc"], "names": ["^passwd$"])", R"("names" : [ "^passwd$" ] , "paths":["/etc"])"}});
  Action b = *ParseAction(reordered);
  CHECK(*SigningBytes(a) == *SigningBytes(b));
  Action c = *ParseAction(ActionToJson(a));
  CHECK(*SigningBytes(c) == *SigningBytes(a));
  Action d = *ParseAction(ActionToJson(a, /*indent=*/true));
  CHECK(*SigningBytes(d) == *SigningBytes(a));
  CHECK(SigningBytes(a)->rfind("mig-action-v1\n{", 0) == 0);
  // The same instant written in another zone is the same action.
  Action e = *ParseAction(absl::StrReplaceAll(kAction, {{"2027-01-15T08:00:00Z", "2027-01-15T10:00:00+02:00"}}));
  CHECK(*SigningBytes(e) == *SigningBytes(a));
}

TEST_CASE("Every field that changes what runs, where or when changes the signed bytes") {
  Action base = *ParseAction(kAction);
  const std::string original = *SigningBytes(base);
  std::vector<std::pair<const char*, std::function<void(Action&)>>> changes = {
      {"id", [](Action& a) { a.id += 1; }},
      {"name", [](Action& a) { a.name += "!"; }},
      {"target", [](Action& a) { a.target = "true"; }},
      {"validfrom", [](Action& a) { a.valid_from -= absl::Seconds(1); }},
      {"expireafter", [](Action& a) { a.expire_after += absl::Nanoseconds(1); }},
      {"module", [](Action& a) { a.operations[1].module = "memory"; }},
      {"parameters", [](Action& a) { a.operations[0].parameters = R"({"searches":{}})"; }},
      {"operation order", [](Action& a) { std::swap(a.operations[0], a.operations[1]); }},
      {"operation removed", [](Action& a) { a.operations.pop_back(); }},
      {"author", [](Action& a) { a.description.author = "Mallory"; }},
      {"threat", [](Action& a) { a.threat.level = "low"; }},
      {"syntaxversion", [](Action& a) { a.syntax_version = 3; }},
  };
  for (auto& [what, change] : changes) {
    INFO(what);
    Action changed = base;
    change(changed);
    CHECK(*SigningBytes(changed) != original);
  }
  // Signatures are not part of what is signed: co-signing keeps the others valid.
  Action signed_once = base;
  signed_once.signatures.push_back(*SignAction(base, Key(1)));
  CHECK(*SigningBytes(signed_once) == original);
}

TEST_CASE("Tampering: no flipped byte of the signed form verifies") {
  Action a = *ParseAction(kAction);
  crypto::Ed25519KeyPair key = Key(7);
  Signature s = *SignAction(a, key);
  std::string bytes = *SigningBytes(a);
  REQUIRE(key.public_key().Verify(bytes, s.signature));
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (uint8_t mask : {0x01, 0x20, 0x80}) {
      std::string tampered = bytes;
      tampered[i] = static_cast<char>(tampered[i] ^ mask);
      if (key.public_key().Verify(tampered, s.signature)) FAIL("byte " << i << " flipped still verifies");
    }
  }
}

TEST_CASE("Tampering with the action's JSON: a flipped byte either fails to parse, means the same, or fails") {
  Action a = *ParseAction(kAction);
  crypto::Ed25519KeyPair key = Key(7);
  a.signatures.push_back(*SignAction(a, key));
  std::string json = ActionToJson(a);
  const std::string original = *SigningBytes(a);
  size_t verified_changes = 0;
  for (size_t i = 0; i < json.size(); ++i) {
    for (uint8_t mask : {0x01, 0x02, 0x20}) {
      std::string tampered = json;
      tampered[i] = static_cast<char>(tampered[i] ^ mask);
      absl::StatusOr<Action> parsed = ParseAction(tampered);
      if (!parsed.ok() || parsed->signatures.empty()) continue;
      absl::StatusOr<std::string> bytes = SigningBytes(*parsed);
      REQUIRE(bytes.ok());
      bool verifies = key.public_key().Verify(*bytes, parsed->signatures[0].signature);
      // Only changes that leave the signed meaning intact (the signature's own bytes' base64 padding, say)
      // may still verify.
      if (verifies) {
        CHECK(*bytes == original);
        ++verified_changes;
      }
    }
  }
  INFO(verified_changes);
  SUCCEED();
}

struct ErrorCase {
  std::string json;
  const char* message_part;
};

TEST_CASE("Malformed actions are refused with the field named") {
  auto with = [](std::string_view from, std::string_view to) { return absl::StrReplaceAll(kAction, {{from, to}}); };
  std::string many_operations =
      R"({"id":1,"validfrom":"2027-01-01T00:00:00Z","expireafter":"2027-01-01T01:00:00Z","operations":[)";
  for (int i = 0; i < 300; ++i) absl::StrAppend(&many_operations, i ? "," : "", R"({"module":"file","parameters":{}})");
  many_operations += "]}";
  std::string deep =
      R"({"id":1,"validfrom":"2027-01-01T00:00:00Z","expireafter":"2027-01-01T01:00:00Z","operations":[{"module":"file","parameters":)";
  for (int i = 0; i < 100; ++i) deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < 100; ++i) deep += "}";
  deep += "}]}";
  const ErrorCase cases[] = {
      {with("\"syntaxversion\"", "\"syntaxversoin\""), "unknown field \"syntaxversoin\""},
      {with("\"id\": 123456789", "\"id\": \"123456789\""), "id: expected a whole number, got string"},
      {with("\"id\": 123456789", "\"id\": 9007199254740993"), "larger than"},
      {with("\"name\": \"find passwd\"", "\"name\": 5"), "name: expected a string"},
      {with("\"revision\": 2", "\"revision\": \"2\""), "description.revision: expected a whole number"},
      {with("\"level\": \"high\"", "\"levle\": \"high\""), "threat: unknown field \"levle\""},
      {with("2027-01-15T08:00:00Z", "yesterday"), "validfrom: 'yesterday' is not an RFC 3339 time"},
      {with("2027-01-15T09:00:00Z", "2027-01-15T07:00:00Z"), "expires before it becomes valid"},
      {with("\"module\": \"netstat\"", "\"module\": 3"), "operations[1].module: expected a string"},
      {with("{\"neighbormac\": [\"^8c:70:5a\"]}", "[]"), "operations[1].parameters: expected an object"},
      {with("{\"neighbormac\": [\"^8c:70:5a\"]}", "{\"a\":1,\"a\":2}"),
       "operations[1].parameters.a: the key appears more than once"},
      {with("\"module\": \"netstat\", ", "\"mode\": \"x\", "), "unknown field \"mode\""},
      {with("\"syntaxversion\": 2", "\"syntaxversion\": 1"), "syntaxversion: 1 is not supported"},
      {with("\"syntaxversion\": 2",
            "\"syntaxversion\": 2, \"signatures\": [{\"keyid\": \"ab\", \"signature\": \"short\"}]"),
       "signatures[0].signature"},
      {with("\"syntaxversion\": 2", "\"syntaxversion\": 2, \"name\": \"again\""), "appears more than once"},
      {R"({"id":1,"validfrom":"2027-01-01T00:00:00Z","expireafter":"2027-01-01T01:00:00Z","operations":[]})",
       "at least one operation"},
      {R"({"id":1,"operations":[{"module":"file","parameters":{}}]})", "needs \"validfrom\" and \"expireafter\""},
      {many_operations, "300 operations, more than the limit of 256"},
      {deep, "nested deeper than 64 levels"},
      {std::string(5 << 20, ' '), "more than the limit of 4194304"},
      {"{\"id\":", "not valid JSON"},
      {with("\"syntaxversion\": 2", "\"syntaxversion\": 2, \"pgpsignatures\": [\"-----BEGIN PGP\"]"),
       "pgpsignatures: MIG's PGP signatures are not supported"},
  };
  for (const ErrorCase& c : cases) {
    INFO(c.json.substr(0, 200));
    absl::StatusOr<Action> a = ParseAction(c.json);
    REQUIRE_FALSE(a.ok());
    CHECK_THAT(std::string(a.status().message()), Catch::Contains(c.message_part));
  }
}

TEST_CASE("New actions get random ids below 2^53 and a window that starts a minute early") {
  absl::Time now = absl::FromUnixSeconds(1800000000);
  Action a = NewAction("n", "t", now, absl::Hours(1));
  Action b = NewAction("n", "t", now, absl::Hours(1));
  CHECK(a.id != b.id);
  CHECK(a.id <= kMaxActionId);
  CHECK(a.valid_from == now - absl::Minutes(1));
  CHECK(a.expire_after == now + absl::Hours(1));
  Action c = NewAction("n", "t", now + absl::Milliseconds(700), absl::Hours(1));
  CHECK(c.expire_after == now + absl::Hours(1));
  CHECK(FormatActionTime(absl::FromUnixNanos(1800000000123000000)) == "2027-01-15T08:00:00.123Z");
}

}  // namespace
}  // namespace mig::action
