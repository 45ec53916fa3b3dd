// Broker messages: each round-trips, and malformed ones or ones whose sender is unclear are refused.
#include "protocol/messages.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "catch2/catch.hpp"

namespace mig::protocol {
namespace {

TEST_CASE("Commands, results and heartbeats round-trip") {
  Command command{.id = 42, .action_json = R"({"id":7,"name":"find passwd"})"};
  absl::StatusOr<Command> parsed_command = ParseCommand(CommandToJson(command));
  REQUIRE(parsed_command.ok());
  CHECK(parsed_command->id == 42);
  CHECK(parsed_command->action_json == command.action_json);

  Result result{.command = 42,
                .action = 7,
                .status = ResultStatus::kRefused,
                .reason = "expired",
                .operation_results = {R"({"foundanything":false})"}};
  absl::StatusOr<Result> parsed_result = ParseResult(ResultToJson(result));
  INFO(parsed_result.status().message());
  REQUIRE(parsed_result.ok());
  CHECK(parsed_result->status == ResultStatus::kRefused);
  CHECK(parsed_result->reason == "expired");
  CHECK(parsed_result->operation_results == result.operation_results);

  Heartbeat heartbeat{.name = "web1.example",
                      .queue = AgentQueue("web1.example"),
                      .mode = "daemon",
                      .version = "0.1.0",
                      .pid = 1234,
                      .start_time = absl::FromUnixSeconds(1'800'000'000),
                      .frequency_seconds = 10,
                      .environment_json = R"({"os":"linux"})",
                      .tags_json = R"({"env":"prod"})"};
  absl::StatusOr<Heartbeat> parsed_heartbeat = ParseHeartbeat(HeartbeatToJson(heartbeat));
  INFO(parsed_heartbeat.status().message());
  REQUIRE(parsed_heartbeat.ok());
  CHECK(parsed_heartbeat->queue == "mig.agent.web1.example");
  CHECK(parsed_heartbeat->start_time == heartbeat.start_time);
  CHECK(parsed_heartbeat->tags_json == heartbeat.tags_json);
  CHECK(parsed_heartbeat->frequency_seconds == 10);
  // A checkin agent (or an older mig) says no frequency: the field is absent.
  heartbeat.frequency_seconds = 0;
  CHECK_FALSE(absl::StrContains(HeartbeatToJson(heartbeat), "heartbeatfreq"));
  CHECK(ParseHeartbeat(HeartbeatToJson(heartbeat))->frequency_seconds == 0);
}

TEST_CASE("Bad messages and unclear senders are refused") {
  struct Case {
    std::string what;
    absl::Status status;
    std::string error_part;
  };
  std::vector<Case> cases = {
      {"command without action", ParseCommand(R"({"id": 1})").status(), "no \"action\""},
      {"command with a string action", ParseCommand(R"({"id": 1, "action": "x"})").status(), "expected an object"},
      {"command with extra field", ParseCommand(R"({"id": 1, "action": {}, "run": "sh"})").status(), "run"},
      {"command numbered 0", ParseCommand(R"({"id": 0, "action": {}})").status(), "0 is not a command id"},
      {"command numbered below 0", ParseCommand(R"({"id": -7, "action": {}})").status(), "-7 is not a command id"},
      {"result for command 0", ParseResult(R"({"command":0,"action":1,"status":"success","results":[]})").status(),
       "result.command: 0 is not a command id"},
      {"command over its limit", ParseCommand(std::string(kMaxCommandBytes + 1, ' ')).status(), "more than the limit"},
      {"result with unknown status", ParseResult(R"({"command":1,"action":1,"status":"ok","results":[]})").status(),
       "unknown status 'ok'"},
      {"heartbeat with a bad name",
       ParseHeartbeat(R"({"name":"web1;drop","queue":"q","mode":"daemon","version":"1","pid":1,
                          "starttime":"2027-01-15T08:00:00Z","environment":{},"tags":{}})")
           .status(),
       "may hold only"},
      {"heartbeat with a bad time",
       ParseHeartbeat(R"({"name":"web1","queue":"mig.agent.web1","mode":"daemon","version":"1","pid":1,
                          "starttime":"yesterday","environment":{},"tags":{}})")
           .status(),
       "heartbeat.starttime"},
      {"heartbeat naming another agent's queue",
       ParseHeartbeat(R"({"name":"web1","queue":"mig.agent.web2","mode":"daemon","version":"1","pid":1,
                          "starttime":"2027-01-15T08:00:00Z","environment":{},"tags":{}})")
           .status(),
       "is not agent web1's queue"},
      {"heartbeat with a control character in its version",
       ParseHeartbeat(R"({"name":"web1","queue":"mig.agent.web1","mode":"daemon","version":"1\n2","pid":1,
                          "starttime":"2027-01-15T08:00:00Z","environment":{},"tags":{}})")
           .status(),
       "heartbeat.version"},
      {"heartbeat with a process id no process has",
       ParseHeartbeat(R"({"name":"web1","queue":"mig.agent.web1","mode":"daemon","version":"1","pid":-3,
                          "starttime":"2027-01-15T08:00:00Z","environment":{},"tags":{}})")
           .status(),
       "-3 is no process id"},
      {"heartbeat with a frequency of 0 seconds",
       ParseHeartbeat(R"({"name":"web1","queue":"mig.agent.web1","mode":"daemon","version":"1","pid":1,
                          "starttime":"2027-01-15T08:00:00Z","heartbeatfreq":0,"environment":{},"tags":{}})")
           .status(),
       "heartbeat.heartbeatfreq: 0 is not 1 to"},
      {"heartbeat with a frequency beyond a week",
       ParseHeartbeat(R"({"name":"web1","queue":"mig.agent.web1","mode":"daemon","version":"1","pid":1,
                          "starttime":"2027-01-15T08:00:00Z","heartbeatfreq":604801,"environment":{},"tags":{}})")
           .status(),
       "604801 is not 1 to"},
      {"heartbeat with a frequency that is not a whole number",
       ParseHeartbeat(R"({"name":"web1","queue":"mig.agent.web1","mode":"daemon","version":"1","pid":1,
                          "starttime":"2027-01-15T08:00:00Z","heartbeatfreq":"10s","environment":{},"tags":{}})")
           .status(),
       "heartbeat.heartbeatfreq"},
      {"result with more operation results than an action has",
       ParseResult(absl::StrCat(R"({"command":1,"action":1,"status":"success","results":[)",
                                absl::StrJoin(std::vector<std::string>(300, "{}"), ","), "]}"))
           .status(),
       "300 operation results"},
      {"routing key with an agent name ending in a dot", SenderOf("web1..results").status(), "must end with"},
      {"agent name with an empty label", CheckAgentName("web1..example"), "empty label"},
      {"routing key without kind", SenderOf("web1").status(), "is not <agent>.results|heartbeat"},
      {"routing key of another kind", SenderOf("web1.commands").status(), "is not"},
      {"routing key with a bad agent", SenderOf("*.results").status(), "must start with"},
  };
  for (const Case& c : cases) {
    INFO(c.what << ": " << c.status.message());
    REQUIRE_FALSE(c.status.ok());
    CHECK(c.status.message().find(c.error_part) != std::string_view::npos);
  }
  absl::StatusOr<Sender> sender = SenderOf("web1.example.results");
  REQUIRE(sender.ok());
  CHECK(sender->agent == "web1.example");
  CHECK(sender->kind == Sender::Kind::kResult);
  CHECK(SenderOf("db-2.heartbeat")->kind == Sender::Kind::kHeartbeat);
}

}  // namespace
}  // namespace mig::protocol
