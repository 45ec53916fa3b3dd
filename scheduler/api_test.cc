// The scheduler's API over a real SQLite file, without the broker: authentication, what an action must be
// to be accepted, fan-out, status and results paging, agent search.
#include "scheduler/api.h"

#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "crypto/ed25519.h"
#include "protocol/action/action.h"
#include "protocol/api/token.h"
#include "scheduler/testing/database_path.h"

namespace mig::scheduler {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

using ::mig::scheduler::testing::NewDatabasePath;

crypto::Ed25519KeyPair Key(uint8_t seed) {
  std::array<uint8_t, 32> bytes{};
  bytes.fill(seed);
  return crypto::Ed25519KeyPair::FromSeed(bytes);
}

struct ApiFixture {
  ApiFixture() {
    std::string path = NewDatabasePath("api.db");
    absl::StatusOr<Store> opened = Store::Open(path);
    REQUIRE(opened.ok());
    store = std::make_unique<Store>(*std::move(opened));
    for (int i = 0; i < 5; ++i) {
      REQUIRE(store
                  ->RecordHeartbeat({.name = absl::StrCat("web", i),
                                     .queue = absl::StrCat("mig.agent.web", i),
                                     .mode = "daemon",
                                     .version = "1",
                                     .pid = i,
                                     .tags_json = i < 3 ? R"({"env":"prod"})" : R"({"env":"dev"})"},
                                    kNow)
                  .ok());
    }
    absl::StatusOr<std::unique_ptr<Api>> made = Api::Open({.database = path,
                                                           .investigators = {{"alice", alice.public_key()}},
                                                           .commands_created = [this] { ++notified; },
                                                           .now = [] { return kNow; }});
    REQUIRE(made.ok());
    api = *std::move(made);
  }

  http::Response Call(const std::string& method, const std::string& target, const std::string& body = "",
                      const crypto::Ed25519KeyPair* key = nullptr) {
    http::Request request{.method = method, .target = target, .body = body, .peer = "127.0.0.1:1"};
    request.headers.push_back(
        {"authorization", api::SignRequest(key != nullptr ? *key : alice, {method, target, body}, kNow)});
    return api->Handle(request);
  }

  std::string SignedAction(const std::string& target, const crypto::Ed25519KeyPair& key,
                           absl::Duration validity = absl::Minutes(10)) {
    action::Action a = action::NewAction("find passwd", target, kNow - absl::Seconds(1), validity);
    a.operations.push_back({"file", R"({"searches":{"s1":{"paths":["/etc"],"names":["^passwd$"]}}})"});
    absl::StatusOr<action::Signature> signature = action::SignAction(a, key);
    REQUIRE(signature.ok());
    a.signatures.push_back(*signature);
    return action::ActionToJson(a);
  }

  crypto::Ed25519KeyPair alice = Key(1);
  crypto::Ed25519KeyPair mallory = Key(2);
  std::unique_ptr<Store> store;
  std::unique_ptr<Api> api;
  int notified = 0;
};

// The "id" of a JSON answer.
std::string IdOf(const std::string& body) {
  size_t at = body.find("\"id\":");
  REQUIRE(at != std::string::npos);
  at += 5;
  return body.substr(at, body.find_first_not_of("0123456789", at) - at);
}

TEST_CASE("Past actions are listed newest first, filtered by name, time, state and who launched them", "[api]") {
  ApiFixture f;
  REQUIRE(f.Call("POST", "/api/v1/actions", f.SignedAction("tags->>'env'='prod'", f.alice)).status == 201);
  struct Case {
    std::string query;
    int status;
    bool listed;
  };
  const Case cases[] = {
      {"", 200, true},
      {"?name=PASSWD", 200, true},  // a substring, in any case
      {"?name=shadow", 200, false},
      {"?mine=1", 200, true},  // alice signs the request and launched it
      {"?running=1", 200, true},
      {"?since=2027-01-15T07:00:00Z", 200, true},
      {"?since=2027-01-15T09:00:00Z", 200, false},
      {"?since=yesterday", 400, false},
      {"?running=2", 400, false},
  };
  for (const Case& c : cases) {
    INFO(c.query);
    http::Response list = f.Call("GET", "/api/v1/actions" + c.query);
    INFO(list.body);
    CHECK(list.status == c.status);
    CHECK(absl::StrContains(list.body, "\"investigator\":\"alice\"") == c.listed);
  }
}

TEST_CASE("API requests must be signed by a known investigator, once", "[api]") {
  ApiFixture f;
  http::Request unsigned_request{.method = "GET", .target = "/api/v1/agents"};
  CHECK(f.api->Handle(unsigned_request).status == 401);
  CHECK(f.api->Handle({.method = "GET", .target = "/api/v1/health"}).status == 200);
  CHECK(f.Call("GET", "/api/v1/agents", "", &f.mallory).status == 401);
  http::Request replayed{.method = "GET", .target = "/api/v1/investigators"};
  replayed.headers.push_back({"authorization", api::SignRequest(f.alice, {"GET", "/api/v1/investigators", ""}, kNow)});
  CHECK(f.api->Handle(replayed).status == 200);
  http::Response again = f.api->Handle(replayed);
  CHECK(again.status == 401);
  CHECK(absl::StrContains(again.body, "already used"));
  CHECK(f.Call("GET", "/api/v1/nothing").status == 404);
  CHECK(f.Call("DELETE", "/api/v1/actions").status == 405);
}

TEST_CASE("An action is fanned out to the agents its target selects", "[api]") {
  ApiFixture f;
  http::Response created = f.Call("POST", "/api/v1/actions", f.SignedAction("tags->>'env'='prod'", f.alice));
  INFO(created.body);
  REQUIRE(created.status == 201);
  CHECK(absl::StrContains(created.body, "\"targeted\":3"));
  CHECK(f.notified == 1);
  // The action's id here is its own signed id: one number everywhere.
  const std::string id = IdOf(created.body);
  CHECK(absl::StrContains(created.body, absl::StrCat("\"action\":", id)));
  const std::string base = absl::StrCat("/api/v1/actions/", id);
  http::Response status = f.Call("GET", base);
  CHECK(status.status == 200);
  CHECK(absl::StrContains(status.body,
                          "\"targeted\":3,\"answered\":0,\"pending\":3,\"pendingnotonline\":0,\"unanswered\":0"));
  CHECK(absl::StrContains(status.body, "\"target\":\"tags->>'env'='prod'\""));

  // Two answers; paging over results.
  REQUIRE(f.store->RecordResult(1, CommandStatus::kSuccess, R"({"command":1,"results":[]})", true, kNow).ok());
  REQUIRE(f.store->RecordResult(2, CommandStatus::kSuccess, R"({"command":2,"results":[]})", false, kNow).ok());
  http::Response page = f.Call("GET", base + "/results?filter=all&offset=0&limit=1");
  CHECK(absl::StrContains(page.body, "\"agent\":\"web0\""));
  CHECK(absl::StrContains(page.body, "\"next\":1"));
  http::Response found = f.Call("GET", base + "/results?filter=found");
  CHECK(absl::StrContains(found.body, "web0"));
  CHECK_FALSE(absl::StrContains(found.body, "web1"));
  CHECK(absl::StrContains(found.body, "\"next\":null"));
  // The third agent has not answered: it has a line all the same, with no result.
  http::Response unanswered = f.Call("GET", base + "/results?filter=unanswered");
  INFO(unanswered.body);
  CHECK(absl::StrContains(unanswered.body,
                          "\"status\":\"pending\",\"answered\":false,\"found\":false,"
                          "\"agentstatus\":\"online\""));
  CHECK(absl::StrContains(unanswered.body, "\"result\":null"));
  CHECK_FALSE(absl::StrContains(unanswered.body, "web0"));
  CHECK(f.Call("GET", base + "/results?filter=maybe").status == 400);
  CHECK(f.Call("GET", base + "/results?limit=100000").status == 400);
  CHECK(f.Call("GET", "/api/v1/actions/9/results").status == 404);
  CHECK(f.Call("GET", "/api/v1/actions/x").status == 404);
  http::Response list = f.Call("GET", "/api/v1/actions");
  CHECK(absl::StrContains(list.body, "\"name\":\"find passwd\""));
}

struct RefusedAction {
  const char* what;
  int status;
  const char* message;
};

TEST_CASE("Actions the agents would refuse, or that target nobody, are refused here", "[api]") {
  ApiFixture f;
  CHECK(f.Call("POST", "/api/v1/actions", "{").status == 400);
  http::Response stranger = f.Call("POST", "/api/v1/actions", f.SignedAction("true", f.mallory));
  CHECK(stranger.status == 400);
  CHECK(absl::StrContains(stranger.body, "no investigator's here"));
  std::string tampered = f.SignedAction("true", f.alice);
  tampered.replace(tampered.find("find passwd"), 11, "find shadow");
  http::Response forged = f.Call("POST", "/api/v1/actions", tampered);
  CHECK(forged.status == 400);
  CHECK(absl::StrContains(forged.body, "does not verify"));
  http::Response other_table =
      f.Call("POST", "/api/v1/actions", f.SignedAction("id IN (SELECT id FROM commands)", f.alice));
  CHECK(other_table.status == 400);
  CHECK(absl::StrContains(other_table.body, "commands"));
  http::Response nobody = f.Call("POST", "/api/v1/actions", f.SignedAction("name='db9'", f.alice));
  CHECK(nobody.status == 422);
  http::Response expired = f.Call("POST", "/api/v1/actions", f.SignedAction("true", f.alice, absl::ZeroDuration()));
  CHECK(expired.status == 400);
  CHECK(absl::StrContains(expired.body, "expired"));
  CHECK(f.notified == 0);
  CHECK(f.Call("GET", "/api/v1/actions").body == R"({"actions":[]})");
}

TEST_CASE("class duplicate-action: the same signed action is accepted once; a second POST is 409", "[api]") {
  ApiFixture f;
  std::string action = f.SignedAction("tags->>'env'='prod'", f.alice);
  http::Response first = f.Call("POST", "/api/v1/actions", action);
  REQUIRE(first.status == 201);
  http::Response second = f.Call("POST", "/api/v1/actions", action);
  CHECK(second.status == 409);
  CHECK(absl::StrContains(second.body, absl::StrCat("an action with id ", IdOf(first.body), " was already submitted")));
  // Nothing more was stored or sent.
  CHECK(f.notified == 1);
  http::Response list = f.Call("GET", "/api/v1/actions");
  CHECK(absl::StrContains(list.body, "\"targeted\":3"));
  // One action listed: its summary's first field, once.
  CHECK(list.body.find("{\"id\":") == list.body.rfind("{\"id\":"));
}

TEST_CASE("class time-literal: an action whose times are not RFC 3339 is refused with 400", "[api]") {
  ApiFixture f;
  std::string signed_action = f.SignedAction("true", f.alice);
  for (const char* time : {"infinite-future", "infinite-past", "+12027-01-15T08:00:00Z", "2027-01-15T08:00:00+0100"}) {
    INFO(time);
    std::string action = signed_action;
    size_t at = action.find("\"expireafter\":\"");
    REQUIRE(at != std::string::npos);
    at += 15;
    action.replace(at, action.find('"', at) - at, time);
    http::Response refused = f.Call("POST", "/api/v1/actions", action);
    CHECK(refused.status == 400);
    CHECK(absl::StrContains(refused.body, "expireafter"));
    CHECK(absl::StrContains(refused.body, "is not an RFC 3339 time"));
  }
  CHECK(f.notified == 0);
  CHECK(f.Call("GET", "/api/v1/actions").body == R"({"actions":[]})");
}

TEST_CASE("class target-escape: a target that leaves its condition is refused, and nothing is stored", "[api]") {
  ApiFixture f;
  const std::string kEscape = "1=1) UNION ALL SELECT id, name FROM agents /*";
  http::Response listed =
      f.Call("GET", "/api/v1/agents?target=1%3D1)%20UNION%20ALL%20SELECT%20id,%20name%20FROM%20agents%20/*");
  CHECK(listed.status == 400);
  CHECK(absl::StrContains(listed.body, "target: at offset 3: this ')' closes no '('"));
  http::Response posted = f.Call("POST", "/api/v1/actions", f.SignedAction(kEscape, f.alice));
  CHECK(posted.status == 400);
  CHECK(absl::StrContains(posted.body, "at offset 3"));
  CHECK(f.notified == 0);
  CHECK(f.Call("GET", "/api/v1/actions").body == R"({"actions":[]})");
}

TEST_CASE("Agents are searched with the target language", "[api]") {
  ApiFixture f;
  http::Response dev = f.Call("GET", "/api/v1/agents?target=tags-%3E%3E'env'%3D'dev'");
  INFO(dev.body);
  CHECK(dev.status == 200);
  CHECK(absl::StrContains(dev.body, "\"matched\":2"));
  CHECK(absl::StrContains(dev.body, "\"name\":\"web3\""));
  CHECK(absl::StrContains(dev.body, "\"tags\":{\"env\":\"dev\"}"));
  http::Response counted = f.Call("GET", "/api/v1/agents?target=true&limit=0");
  CHECK(absl::StrContains(counted.body, "\"matched\":5,\"agents\":[]"));
  CHECK(f.Call("GET", "/api/v1/agents?target=DROP%20TABLE%20agents").status == 400);
}

}  // namespace
}  // namespace mig::scheduler
