// The scheduler's records in a real SQLite file: the agent registry from heartbeats, fan-out, results
// recorded once, counters and paging, and everything still there after the file is opened again.
#include "scheduler/store.h"

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "scheduler/target.h"

namespace mig::scheduler {
namespace {

std::string NewDatabasePath(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string path = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", name);
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove(absl::StrCat(path, suffix).c_str());
  return path;
}

AgentHeartbeat Heartbeat(const std::string& name, int64_t pid, const std::string& tags = "{}") {
  return {.name = name, .queue = "mig.agent." + name, .mode = "daemon", .version = "0.1.0", .pid = pid,
          .environment_json = R"({"os":"linux","arch":"amd64"})", .tags_json = tags};
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
    absl::StatusOr<int64_t> action = store->CreateAction(
        {.name = "find passwd", .target = "status='online'", .json = "{}", .valid_from = kStart,
         .expire_after = kStart + absl::Minutes(10)},
        kStart);
    REQUIRE(action.ok());
    action_id = *action;
    absl::StatusOr<std::vector<Command>> fanned = store->CreateCommands(action_id, agents, kStart);
    INFO(fanned.status().message());
    REQUIRE(fanned.ok());
    commands = *fanned;
    REQUIRE(commands.size() == 5);
    CHECK(commands[2].agent_name == "agent2");
    // The same action cannot be fanned out to an agent twice.
    CHECK_FALSE(store->CreateCommands(action_id, {agents[0]}, kStart).ok());

    absl::StatusOr<bool> first = store->RecordResult(commands[0].id, CommandStatus::kSuccess,
                                                     R"({"foundanything":true})", true, kStart + absl::Seconds(2));
    REQUIRE(first.ok());
    CHECK(*first);
    // The broker redelivers it: recorded once.
    absl::StatusOr<bool> again = store->RecordResult(commands[0].id, CommandStatus::kSuccess,
                                                     R"({"foundanything":true})", true, kStart + absl::Seconds(3));
    REQUIRE(again.ok());
    CHECK_FALSE(*again);
    REQUIRE(store->RecordResult(commands[1].id, CommandStatus::kSuccess, R"({"foundanything":false})", false,
                                kStart + absl::Seconds(2))
                .ok());
    REQUIRE(store->RecordResult(commands[2].id, CommandStatus::kRefused, R"({"error":"expired"})", false,
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
  CHECK(counters->sent == 2);
  CHECK(counters->found == 1);
  CHECK(counters->answered() == 3);

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
  absl::StatusOr<bool> late = store->RecordResult(commands[4].id, CommandStatus::kSuccess, "{}", false,
                                                  kStart + absl::Minutes(12));
  REQUIRE(late.ok());
  CHECK(*late);
  CHECK_FALSE(*store->RecordResult(commands[4].id, CommandStatus::kSuccess, "{}", false, kStart + absl::Minutes(12)));
  CHECK(store->Counters(action_id)->expired == 1);
  CHECK(store->Counters(action_id)->success == 3);
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

  absl::StatusOr<StoredAction> action = store->GetAction(action_id);
  REQUIRE(action.ok());
  CHECK(action->name == "find passwd");
  CHECK(action->expire_after == "2027-01-15 08:10:00");
  CHECK(absl::IsNotFound(store->GetAction(action_id + 1).status()));
  absl::StatusOr<std::vector<StoredAgent>> agents = store->Agents({commands[1].agent_id, 999});
  REQUIRE(agents.ok());
  REQUIRE(agents->size() == 1);
  CHECK(agents->at(0).name == "agent1");
  CHECK(agents->at(0).status == "online");
}

TEST_CASE("Commands wait for the broker's confirmation until marked published") {
  absl::StatusOr<Store> store = Store::Open(NewDatabasePath("publish.db"));
  REQUIRE(store.ok());
  std::vector<TargetedAgent> agents;
  for (int i = 0; i < 3; ++i) {
    std::string name = absl::StrCat("agent", i);
    agents.push_back({*store->RecordHeartbeat(Heartbeat(name, i), kStart), name});
  }
  int64_t live = *store->CreateAction({.name = "live", .target = "true", .json = R"({"id":1})", .valid_from = kStart,
                                       .expire_after = kStart + absl::Minutes(10)},
                                      kStart);
  int64_t old = *store->CreateAction({.name = "old", .target = "true", .json = R"({"id":2})", .valid_from = kStart,
                                      .expire_after = kStart + absl::Minutes(1)},
                                     kStart);
  REQUIRE(store->CreateCommands(live, agents, kStart).ok());
  REQUIRE(store->CreateCommands(old, agents, kStart).ok());
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

}  // namespace
}  // namespace mig::scheduler
