// The scheduler's records in a real SQLite file: the agent registry from heartbeats, fan-out, results
// recorded once, counters and paging, and everything still there after the file is opened again.
#include "scheduler/store.h"

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "scheduler/target.h"
#include "scheduler/testing/database_path.h"
#include "sqlite3.h"

namespace mig::scheduler {
namespace {

using ::mig::scheduler::testing::NewDatabasePath;

AgentHeartbeat Heartbeat(const std::string& name, int64_t pid, const std::string& tags = "{}") {
  return {.name = name,
          .queue = "mig.agent." + name,
          .mode = "daemon",
          .version = "0.1.0",
          .pid = pid,
          .environment_json = R"({"os":"linux","arch":"amd64"})",
          .tags_json = tags};
}

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

TEST_CASE("Heartbeats keep the agent registry: online, idle, offline, online again") {
  absl::StatusOr<Store> store = Store::Open(NewDatabasePath("registry.db"));
  INFO(store.status().message());
  REQUIRE(store.ok());
  absl::StatusOr<int64_t> web1 = store->RecordHeartbeat(Heartbeat("web1", 100, R"({"env":"prod"})"), kStart);
  REQUIRE(web1.ok());
  REQUIRE(store->RecordHeartbeat(Heartbeat("web2", 200), kStart + absl::Minutes(4)).ok());
  // The same agent again keeps its id.
  absl::StatusOr<int64_t> again = store->RecordHeartbeat(Heartbeat("web1", 100, R"({"env":"prod"})"), kStart);
  REQUIRE(again.ok());
  CHECK(*again == *web1);

  absl::StatusOr<TargetSelector> selector = TargetSelector::Open(store->path());
  REQUIRE(selector.ok());
  auto names = [&](const std::string& target) {
    std::vector<std::string> out;
    absl::StatusOr<std::vector<TargetedAgent>> agents = selector->Select(target, kStart);
    INFO(agents.status().message());
    REQUIRE(agents.ok());
    for (const TargetedAgent& a : *agents) out.push_back(a.name);
    return out;
  };
  CHECK(names("status='online'") == std::vector<std::string>{"web1", "web2"});
  CHECK(names("tags->>'env'='prod' AND environment->>'os'='linux'") == std::vector<std::string>{"web1"});

  // Six minutes without a heartbeat: web1 is idle, web2 (seen two minutes ago) still online.
  absl::StatusOr<int64_t> changed = store->RefreshStatuses(kStart + absl::Minutes(6));
  REQUIRE(changed.ok());
  CHECK(*changed == 1);
  CHECK(names("status='idle'") == std::vector<std::string>{"web1"});
  REQUIRE(store->RefreshStatuses(kStart + absl::Hours(2)).ok());
  CHECK(names("status='offline'") == std::vector<std::string>{"web1", "web2"});
  REQUIRE(store->RecordHeartbeat(Heartbeat("web1", 101), kStart + absl::Hours(2)).ok());
  CHECK(names("status='online'") == std::vector<std::string>{"web1"});
  CHECK(names("heartbeattime > '2027-01-15 08:00:00' AND pid=101") == std::vector<std::string>{"web1"});
}

TEST_CASE("An agent that announces its heartbeat frequency is judged by it") {
  absl::StatusOr<Store> store = Store::Open(NewDatabasePath("frequency.db"));
  REQUIRE(store.ok());
  AgentHeartbeat every_10s = Heartbeat("fast", 1);
  every_10s.frequency_seconds = 10;
  AgentHeartbeat every_10m = Heartbeat("slow", 2);
  every_10m.frequency_seconds = 600;
  AgentHeartbeat unknown = Heartbeat("checkin", 3);
  unknown.mode = "checkin";
  for (const AgentHeartbeat& h : {every_10s, every_10m, unknown}) REQUIRE(store->RecordHeartbeat(h, kStart).ok());
  absl::StatusOr<TargetSelector> selector = TargetSelector::Open(store->path());
  REQUIRE(selector.ok());
  auto status_of = [&](const std::string& name) {
    absl::StatusOr<std::vector<TargetedAgent>> agents = selector->Select(absl::StrCat("name='", name, "'"), kStart);
    REQUIRE(agents.ok());
    REQUIRE(agents->size() == 1);
    return store->Agents({agents->at(0).id})->at(0).status;
  };
  // The default policy: idle after 3 missed heartbeats, offline after 12, 2 s of grace; 5 min and 1 h for an
  // agent that did not say.
  struct Case {
    absl::Duration silence;
    std::string fast, slow, checkin;
  };
  const std::vector<Case> cases = {
      {absl::Seconds(31), "online", "online", "online"},   {absl::Seconds(33), "idle", "online", "online"},
      {absl::Seconds(123), "offline", "online", "online"}, {absl::Minutes(6), "offline", "online", "idle"},
      {absl::Minutes(31), "offline", "idle", "idle"},      {absl::Minutes(121), "offline", "offline", "offline"},
  };
  for (const Case& c : cases) {
    INFO(absl::FormatDuration(c.silence) << " without a heartbeat");
    REQUIRE(store->RefreshStatuses(kStart + c.silence).ok());
    CHECK(status_of("fast") == c.fast);
    CHECK(status_of("slow") == c.slow);
    CHECK(status_of("checkin") == c.checkin);
  }
  // A heartbeat brings it back, whatever it was.
  REQUIRE(store->RecordHeartbeat(every_10s, kStart + absl::Hours(3)).ok());
  CHECK(status_of("fast") == "online");
  // Heartbeats that were due while the scheduler was not listening (the broker out of reach, the scheduler
  // restarting) were not missed by the agent.
  const absl::Time later = kStart + absl::Hours(3) + absl::Minutes(10);
  REQUIRE(store->RefreshStatuses(later, {}, absl::InfiniteFuture()).ok());
  CHECK(status_of("fast") == "online");
  REQUIRE(store->RefreshStatuses(later, {}, later - absl::Seconds(20)).ok());
  CHECK(status_of("fast") == "online");  // listening for 20 s: fewer than 3 heartbeats could have been heard
  REQUIRE(store->RefreshStatuses(later, {}, later - absl::Seconds(40)).ok());
  CHECK(status_of("fast") == "idle");
}

TEST_CASE("An action fans out to one command per agent, and each result is recorded once") {
  std::string path = NewDatabasePath("actions.db");
  int64_t action_id = 0;
  std::vector<Command> commands;
  {
    absl::StatusOr<Store> store = Store::Open(path);
    REQUIRE(store.ok());
    std::vector<TargetedAgent> agents;
    for (int i = 0; i < 5; ++i) {
      std::string name = absl::StrCat("agent", i);
      absl::StatusOr<int64_t> id = store->RecordHeartbeat(Heartbeat(name, i), kStart);
      REQUIRE(id.ok());
      agents.push_back({.id = *id, .name = name});
    }
    absl::StatusOr<CreatedAction> action = store->CreateAction({.signed_id = 77,
                                                                .name = "find passwd",
                                                                .target = "status='online'",
                                                                .json = "{}",
                                                                .valid_from = kStart,
                                                                .expire_after = kStart + absl::Minutes(10)},
                                                               agents, kStart);
    INFO(action.status().message());
    REQUIRE(action.ok());
    action_id = action->id;
    CHECK(action_id == 77);  // the signed action's own id
    commands = action->commands;
    REQUIRE(commands.size() == 5);
    CHECK(commands[2].agent_name == "agent2");
    CHECK(commands[2].action_id == action_id);

    absl::StatusOr<bool> first = store->RecordResult(commands[0].id, CommandStatus::kSuccess,
                                                     R"({"foundanything":true})", true, kStart + absl::Seconds(2));
    REQUIRE(first.ok());
    CHECK(*first);
    // The broker redelivers it: recorded once.
    absl::StatusOr<bool> again = store->RecordResult(commands[0].id, CommandStatus::kSuccess,
                                                     R"({"foundanything":true})", true, kStart + absl::Seconds(3));
    REQUIRE(again.ok());
    CHECK_FALSE(*again);
    REQUIRE(store
                ->RecordResult(commands[1].id, CommandStatus::kSuccess, R"({"foundanything":false})", false,
                               kStart + absl::Seconds(2))
                .ok());
    REQUIRE(store
                ->RecordResult(commands[2].id, CommandStatus::kRefused, R"({"error":"expired"})", false,
                               kStart + absl::Seconds(2))
                .ok());
    CHECK(absl::IsNotFound(store->RecordResult(999999, CommandStatus::kSuccess, "{}", false, kStart).status()));
  }

  // Opened again (a scheduler restart): everything is there.
  absl::StatusOr<Store> store = Store::Open(path);
  REQUIRE(store.ok());
  absl::StatusOr<ActionCounters> counters = store->Counters(action_id);
  REQUIRE(counters.ok());
  CHECK(counters->targeted == 5);
  CHECK(counters->success == 2);
  CHECK(counters->refused == 1);
  CHECK(counters->pending == 2);
  CHECK(counters->pending_not_online == 0);
  CHECK(counters->unanswered == 0);
  CHECK(counters->found == 1);
  CHECK(counters->answered() == 3);
  // Agents that stopped heartbeating are counted among the pending ones: an investigator need not wait for them.
  REQUIRE(store->RefreshStatuses(kStart + absl::Minutes(6)).ok());
  CHECK(store->Counters(action_id)->pending_not_online == 2);

  // Every targeted agent has a line, answered or not.
  absl::StatusOr<std::vector<StoredResult>> all = store->Results(action_id, ResultFilter::kAll, 0, 100);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 5);
  CHECK(all->at(0).answered);
  CHECK(all->at(2).status == "refused");
  CHECK(all->at(3).agent_name == "agent3");
  CHECK(all->at(3).status == "pending");
  CHECK_FALSE(all->at(3).answered);
  CHECK(all->at(3).json.empty());
  CHECK(all->at(3).agent_status == "idle");
  CHECK(all->at(3).heartbeat_time == "2027-01-15 08:00:00");
  absl::StatusOr<std::vector<StoredResult>> silent = store->Results(action_id, ResultFilter::kUnanswered, 0, 100);
  REQUIRE(silent.ok());
  REQUIRE(silent->size() == 2);
  CHECK(silent->at(1).agent_name == "agent4");

  absl::StatusOr<std::vector<StoredResult>> found = store->Results(action_id, ResultFilter::kFound, 0, 100);
  REQUIRE(found.ok());
  REQUIRE(found->size() == 1);
  CHECK(found->at(0).agent_name == "agent0");
  CHECK(found->at(0).json == R"({"foundanything":true})");
  absl::StatusOr<std::vector<StoredResult>> page = store->Results(action_id, ResultFilter::kAll, 1, 1);
  REQUIRE(page.ok());
  REQUIRE(page->size() == 1);
  CHECK(page->at(0).agent_name == "agent1");

  // The action expires: the two unanswered commands with it; a late answer still counts (the agent ran it),
  // once.
  absl::StatusOr<int64_t> expired = store->ExpireCommands(kStart + absl::Minutes(11));
  REQUIRE(expired.ok());
  CHECK(*expired == 2);
  absl::StatusOr<bool> late =
      store->RecordResult(commands[4].id, CommandStatus::kSuccess, "{}", false, kStart + absl::Minutes(12));
  REQUIRE(late.ok());
  CHECK(*late);
  CHECK_FALSE(*store->RecordResult(commands[4].id, CommandStatus::kSuccess, "{}", false, kStart + absl::Minutes(12)));
  // Expired unanswered is "unanswered" (the scheduler's verdict), not "expired" (an agent's answer).
  CHECK(store->Counters(action_id)->unanswered == 1);
  CHECK(store->Counters(action_id)->expired == 0);
  CHECK(store->Counters(action_id)->pending == 0);
  CHECK(store->Counters(action_id)->success == 3);
  CHECK(store->Results(action_id, ResultFilter::kUnanswered, 0, 100)->at(0).status == "unanswered");
  CHECK(*store->ExpireCommands(kStart + absl::Minutes(13)) == 0);

  // An agent cannot answer for another: the sender (the routing key's agent) must own the command.
  std::vector<IncomingResult> batch = {
      {.command_id = commands[3].id, .sender = "agent4", .status = CommandStatus::kSuccess, .json = "{}"},
      {.command_id = commands[3].id, .sender = "agent3", .status = CommandStatus::kFailed, .json = "{}"},
      {.command_id = commands[3].id, .sender = "agent3", .status = CommandStatus::kFailed, .json = "{}"},
      {.command_id = 424242, .sender = "agent3", .status = CommandStatus::kFailed, .json = "{}"},
  };
  absl::StatusOr<std::vector<RecordOutcome>> outcomes = store->RecordResults(batch, kStart + absl::Minutes(14));
  REQUIRE(outcomes.ok());
  CHECK(*outcomes == std::vector<RecordOutcome>{RecordOutcome::kNotSendersCommand, RecordOutcome::kRecorded,
                                                RecordOutcome::kAlreadyRecorded, RecordOutcome::kUnknownCommand});
  CHECK(store->Counters(action_id)->failed == 1);
  CHECK(store->Counters(action_id)->unanswered == 0);
  CHECK(store->Counters(action_id)->answered() == store->Counters(action_id)->targeted);

  absl::StatusOr<StoredAction> action = store->GetAction(action_id);
  REQUIRE(action.ok());
  CHECK(action->name == "find passwd");
  CHECK(action->expire_after == "2027-01-15 08:10:00");
  CHECK(absl::IsNotFound(store->GetAction(action_id + 1).status()));
  absl::StatusOr<std::vector<StoredAction>> named = store->ListActions({.name_contains = "PASSWD"}, kStart, 0, 10);
  REQUIRE(named.ok());
  CHECK(named->size() == 1);
  CHECK(store->ListActions({.running_only = true}, kStart + absl::Hours(1), 0, 10)->empty());
  CHECK(store->ListActions({.investigator = "bob"}, kStart, 0, 10)->empty());
  absl::StatusOr<std::vector<StoredAgent>> agents = store->Agents({commands[1].agent_id, 999});
  REQUIRE(agents.ok());
  REQUIRE(agents->size() == 1);
  CHECK(agents->at(0).name == "agent1");
  CHECK(agents->at(0).status == "idle");  // no heartbeat since the refresh at 6 minutes
}

TEST_CASE("Commands wait for the broker's confirmation until marked published") {
  absl::StatusOr<Store> store = Store::Open(NewDatabasePath("publish.db"));
  REQUIRE(store.ok());
  std::vector<TargetedAgent> agents;
  for (int i = 0; i < 3; ++i) {
    std::string name = absl::StrCat("agent", i);
    agents.push_back({*store->RecordHeartbeat(Heartbeat(name, i), kStart), name});
  }
  REQUIRE(store
              ->CreateAction({.signed_id = 1,
                              .name = "live",
                              .target = "true",
                              .json = R"({"id":1})",
                              .valid_from = kStart,
                              .expire_after = kStart + absl::Minutes(10)},
                             agents, kStart)
              .ok());
  REQUIRE(store
              ->CreateAction({.signed_id = 2,
                              .name = "old",
                              .target = "true",
                              .json = R"({"id":2})",
                              .valid_from = kStart,
                              .expire_after = kStart + absl::Minutes(1)},
                             agents, kStart)
              .ok());
  absl::StatusOr<std::vector<OutgoingCommand>> outgoing = store->UnpublishedCommands(kStart + absl::Minutes(2), 100);
  REQUIRE(outgoing.ok());
  REQUIRE(outgoing->size() == 3);  // not the expired action's
  CHECK(outgoing->at(0).agent_name == "agent0");
  CHECK(outgoing->at(0).action_json == R"({"id":1})");
  REQUIRE(store->MarkPublished({outgoing->at(0).id, outgoing->at(1).id}).ok());
  outgoing = store->UnpublishedCommands(kStart + absl::Minutes(2), 100);
  REQUIRE(outgoing.ok());
  REQUIRE(outgoing->size() == 1);
  CHECK(outgoing->at(0).agent_name == "agent2");
  // A cursor skips what is already in flight.
  absl::StatusOr<std::vector<OutgoingCommand>> after =
      store->UnpublishedCommands(kStart + absl::Minutes(2), 100, outgoing->at(0).id);
  REQUIRE(after.ok());
  CHECK(after->empty());
}

// What is stored: (actions, commands), counted with a connection of its own.
std::pair<int, int> Rows(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* count = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM actions), (SELECT count(*) FROM commands)", -1, &count,
                             nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(count) == SQLITE_ROW);
  std::pair<int, int> rows = {sqlite3_column_int(count, 0), sqlite3_column_int(count, 1)};
  sqlite3_finalize(count);
  sqlite3_close(db);
  return rows;
}

NewAction Action(uint64_t signed_id) {
  return {.signed_id = signed_id,
          .name = "find passwd",
          .target = "true",
          .json = "{}",
          .valid_from = kStart,
          .expire_after = kStart + absl::Minutes(10)};
}

TEST_CASE("class partial-action: an action and its commands are stored whole or not at all") {
  std::string path = NewDatabasePath("whole.db");
  absl::StatusOr<Store> store = Store::Open(path);
  REQUIRE(store.ok());
  std::vector<TargetedAgent> agents;
  for (int i = 0; i < 4; ++i) {
    std::string name = absl::StrCat("agent", i);
    agents.push_back({*store->RecordHeartbeat(Heartbeat(name, i), kStart), name});
  }

  SECTION("a command that breaks a constraint halfway through leaves no action and no command") {
    struct Failure {
      const char* what;
      std::vector<TargetedAgent> agents;
    };
    const Failure kFailures[] = {
        {"an agent that does not exist (foreign key)", {agents[0], agents[1], {.id = 999, .name = "ghost"}, agents[3]}},
        {"the same agent twice (unique command)", {agents[0], agents[1], agents[1], agents[2]}},
    };
    for (const Failure& failure : kFailures) {
      INFO(failure.what);
      absl::StatusOr<CreatedAction> created = store->CreateAction(Action(10), failure.agents, kStart);
      REQUIRE_FALSE(created.ok());
      CHECK(Rows(path) == std::pair<int, int>{0, 0});
      CHECK(store->CheckActionIdUnused(10).ok());  // the id was not taken by the failed attempt
    }
    // The store is usable afterwards: no transaction was left open.
    REQUIRE(store->CreateAction(Action(10), agents, kStart).ok());
    CHECK(Rows(path) == std::pair<int, int>{1, 4});
  }

  SECTION("class duplicate-action: an action id is stored once, whoever tries again") {
    absl::StatusOr<CreatedAction> first = store->CreateAction(Action(12), agents, kStart);
    REQUIRE(first.ok());
    absl::StatusOr<CreatedAction> again = store->CreateAction(Action(12), {agents[0]}, kStart);
    CHECK(absl::IsAlreadyExists(again.status()));
    CHECK(first->id == 12);  // one id: the signed action's
    CHECK(again.status().message() == "an action with id 12 was already submitted");
    CHECK(absl::IsAlreadyExists(store->CheckActionIdUnused(12)));
    // Another scheduler on the same file is refused too.
    absl::StatusOr<Store> other = Store::Open(path);
    REQUIRE(other.ok());
    CHECK(absl::IsAlreadyExists(other->CreateAction(Action(12), agents, kStart).status()));
    CHECK(Rows(path) == std::pair<int, int>{1, 4});
    // And the schema itself refuses a second row with that id, whatever code writes it.
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db,
                       "INSERT INTO actions (signedid, name, target, validfrom, expireafter, created, json) "
                       "VALUES (12, 'x', 'true', '', '', '', '{}')",
                       nullptr, nullptr, nullptr) == SQLITE_CONSTRAINT);
    sqlite3_close(db);
  }
}

TEST_CASE("A database from before signed ids were stored gets them, the first action of each id keeping it") {
  std::string path = NewDatabasePath("old_schema.db");
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, R"sql(
      CREATE TABLE actions (id INTEGER PRIMARY KEY, name TEXT NOT NULL, target TEXT NOT NULL,
                            validfrom TEXT NOT NULL, expireafter TEXT NOT NULL, created TEXT NOT NULL,
                            json TEXT NOT NULL);
      INSERT INTO actions VALUES (1, 'a', 'true', '', '', '', '{"id":7}'), (2, 'b', 'true', '', '', '', '{"id":7}'),
                                 (3, 'c', 'true', '', '', '', 'not json'), (4, 'd', 'true', '', '', '', '{"id":8}');
    )sql",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  absl::StatusOr<Store> store = Store::Open(path);
  INFO(store.status().message());
  REQUIRE(store.ok());
  CHECK(store->CheckActionIdUnused(7).message() == "an action with id 7 was already submitted (action 1 here)");
  CHECK(absl::IsAlreadyExists(store->CheckActionIdUnused(8)));
  CHECK(store->CheckActionIdUnused(9).ok());
  // Opening it again changes nothing.
  REQUIRE(Store::Open(path).ok());
  CHECK(store->CheckActionIdUnused(9).ok());
}

}  // namespace
}  // namespace mig::scheduler
