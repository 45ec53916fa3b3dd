// The broker as an attacker. Whoever controls RabbitMQ (or one agent's certificate) can put any bytes in any
// queue mig reads: an agent's commands (mig.agent.<name>), the scheduler's results and heartbeats. Against a
// real broker, real `mig agent` and `mig scheduler` processes and AMQP connections of the test's own — as the
// broker (the scheduler's login, which may publish anything anywhere) and as a compromised agent (alpha's
// login, which the broker lets publish only under alpha's name) — each case publishes what an attacker would
// and checks the promise:
//
//   - an agent runs only an action that passes every check (signatures, ACL, validity window, replay cache),
//     refuses everything else and says why in its log, reports the refusal where there is a command to
//     answer (the scheduler then records "refused"), keeps heartbeating, and a genuine action sent afterwards
//     still runs: nothing wedged it. (Not checked here: that the action is addressed to the agent. Only its
//     target says so, and agents cannot evaluate a target yet.)
//   - the scheduler records only what the broker vouches for (a result routed from agent X for a command of
//     agent X, a heartbeat from the agent it names), never crashes or stalls, and acknowledges every message
//     once handled, so that no poison message is redelivered forever; a genuine result afterwards is recorded.
//
// Each TEST_CASE is one class of attack ("class oversized: ..."). They share one fleet (a broker start takes
// 10-20 s) and run in order; each leaves the fleet as it found it. Every wait is for a state (a log line, a
// queue count, a record), bounded.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/amqp/connection.h"
#include "base/amqp/testing/test_broker.h"
#include "base/json/reader.h"
#include "catch2/catch.hpp"
#include "crypto/ed25519.h"
#include "crypto/key_file.h"
#include "protocol/action/action.h"
#include "protocol/messages.h"
#include "test/cli_harness.h"
#include "test/daemon.h"

namespace mig::test {
namespace {

// For any one state to be reached; ThreadSanitizer makes the scheduler's parsing of 64 MiB results about ten
// times slower.
#if defined(MIG_TSAN)
constexpr absl::Duration kPatience = absl::Seconds(600);
#else
constexpr absl::Duration kPatience = absl::Seconds(90);
#endif

// Waits until `reached` holds, polling; fails the test with `what` (and `context`) if it never does.
void WaitFor(
    const std::string& what, const std::function<bool()>& reached,
    const std::function<std::string()>& context = [] { return std::string(); }) {
  absl::Time deadline = absl::Now() + kPatience;
  while (!reached()) {
    if (absl::Now() > deadline) {
      INFO(context());
      FAIL("timed out waiting for " << what);
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
}

// A loopback port nobody listens on now. (The configuration refuses port 0, so the scheduler cannot pick one.)
int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  close(fd);
  return ntohs(address.sin_port);
}

size_t Count(std::string_view text, std::string_view needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

// A command the scheduler made for an agent, taken from the agent's queue by the broker before the agent saw
// it: what a hostile broker can answer for, replace or deliver twice.
struct PendingCommand {
  int64_t action = 0;  // the scheduler's action id, as `mig action status` takes it
  protocol::Command command;
};

// The shape of an action the test signs itself (the CLI refuses to sign an expired one, say).
struct ActionSpec {
  std::string target = "name='alpha'";
  std::string module = "file";
  std::string parameters;                     // canonical JSON; empty: a search for the marker file
  absl::Duration starts = -absl::Minutes(1);  // valid from now + starts
  absl::Duration lasts = absl::Minutes(10);
  std::optional<uint64_t> id;
};

class Fleet {
 public:
  static Fleet& Get() {
    static std::unique_ptr<Fleet> fleet(new Fleet());
    // A case that failed half-way may have left an agent stopped on purpose (a crashed one stays dead).
    for (auto& [name, daemon] : fleet->agents) {
      if (daemon->stopped()) daemon->Start();
    }
    return *fleet;
  }

  // The broker's login (the scheduler's: it may publish to any exchange with any routing key) and
  // alpha's (the broker lets it publish only to mig.results under alpha's name).
  amqp::Connection& AsBroker() { return Login(as_broker_, "scheduler"); }
  amqp::Connection& AsAlpha() { return Login(as_alpha_, "alpha"); }

  // Publishes each body to `agent`'s queue as the broker, confirmed.
  void SendToAgent(const std::string& agent, const std::vector<std::string>& bodies) {
    for (const std::string& body : bodies) {
      absl::Status sent = AsBroker().Publish(protocol::kAgentsExchange, agent, body, {.persistent = false});
      INFO(sent.message());
      REQUIRE(sent.ok());
    }
  }
  // Publishes each body as alpha with `routing_key` (alpha.results, alpha.heartbeat), confirmed.
  void SendAsAlpha(const std::string& routing_key, const std::vector<std::string>& bodies) {
    for (const std::string& body : bodies) {
      absl::Status sent = AsAlpha().Publish(protocol::kResultsExchange, routing_key, body, {.persistent = false});
      INFO(sent.message());
      REQUIRE(sent.ok());
    }
  }

  // The signed action JSON.
  std::string SignedAction(const ActionSpec& spec, std::vector<const crypto::Ed25519KeyPair*> signers) {
    action::Action a = action::NewAction("hostile broker test", spec.target, absl::Now() + spec.starts, spec.lasts);
    a.valid_from = absl::Now() + spec.starts;
    a.expire_after = a.valid_from + spec.lasts;
    if (spec.id) a.id = *spec.id;
    a.operations.push_back(
        {.module = spec.module, .parameters = spec.parameters.empty() ? MarkerSearch() : spec.parameters});
    for (const crypto::Ed25519KeyPair* key : signers) {
      absl::StatusOr<action::Signature> signature = action::SignAction(a, *key);
      REQUIRE(signature.ok());
      a.signatures.push_back(*signature);
    }
    return action::ActionToJson(a);
  }
  std::string MarkerSearch() const {
    return absl::StrCat(R"({"searches":{"s1":{"names":["^marker\\.conf$"],"paths":[")", tree, R"("]}}})");
  }

  // Stops `agent`, launches a genuine action for it and takes its command from the agent's queue, as the
  // broker. The agent stays stopped until StartAgent.
  PendingCommand TakePendingCommand(const std::string& agent) {
    REQUIRE(agents.at(agent)->Stop(SIGTERM) == 0);
    Result launched = Mig(
        absl::StrCat("file -t \"name='", agent, "'\" -e 120s -path ", tree, " -name '^marker\\.conf$' --no-follow"));
    INFO(launched.out << launched.err);
    PendingCommand pending;
    REQUIRE(absl::SimpleAtoi(absl::StripAsciiWhitespace(launched.out), &pending.action));
    // A connection of its own: consuming cannot be undone on a connection.
    amqp::ConnectionOptions options = broker->Plain("scheduler");
    options.heartbeat = absl::ZeroDuration();
    absl::StatusOr<std::unique_ptr<amqp::Connection>> taker = amqp::Connection::Open(options);
    REQUIRE(taker.ok());
    REQUIRE((*taker)->Consume(protocol::AgentQueue(agent), 1).ok());
    absl::StatusOr<std::optional<amqp::Delivery>> delivery = (*taker)->Next(kPatience);
    REQUIRE(delivery.ok());
    REQUIRE(delivery->has_value());
    REQUIRE((*taker)->Ack((*delivery)->delivery_tag).ok());
    REQUIRE((*taker)->Close().ok());
    absl::StatusOr<protocol::Command> command = protocol::ParseCommand((*delivery)->body);
    REQUIRE(command.ok());
    pending.command = *std::move(command);
    return pending;
  }
  void StartAgent(const std::string& agent) { agents.at(agent)->Start(); }

  // `mig action status ID`'s output once it shows `line` (e.g. "refused     1").
  std::string WaitForStatus(int64_t action, const std::string& line) {
    Result status = WaitForActionStatus(action, line, kPatience);
    INFO(status.out << status.err << Logs());
    REQUIRE(absl::StrContains(status.out, line));
    return status.out;
  }

  // Waits until `daemon`'s log holds `needle` at least `times` times after `from` (a log size taken before).
  void WaitForLog(Daemon& daemon, const std::string& needle, size_t from, size_t times = 1) {
    WaitFor(
        absl::StrCat(times, " log line(s) with '", needle, "'"),
        [&] { return Count(daemon.Log().substr(std::min(from, daemon.Log().size())), needle) >= times; },
        [&] { return daemon.Log().substr(std::min(from, daemon.Log().size())); });
  }
  size_t LogSize(Daemon& daemon) { return daemon.Log().size(); }

  // Messages in a queue, ready or delivered and not yet acknowledged, as the broker counts them.
  int64_t QueueMessages(const std::string& queue) {
    absl::StatusOr<std::string> listed = broker->Ctl("list_queues -p mig -q name messages");
    REQUIRE(listed.ok());
    for (std::string_view line : absl::StrSplit(*listed, '\n')) {
      std::vector<std::string_view> fields = absl::StrSplit(line, '\t');
      int64_t messages = 0;
      if (fields.size() == 2 && fields[0] == queue && absl::SimpleAtoi(fields[1], &messages)) return messages;
    }
    FAIL("the broker lists no queue " << queue << ":\n" << *listed);
    return -1;
  }
  // Every message in `queue` acknowledged: none left ready, none held unacknowledged (heartbeats keep
  // arriving, so this is "reaches zero", not "stays zero").
  void WaitForQueueEmpty(const std::string& queue) {
    WaitFor(
        absl::StrCat("queue ", queue, " to be empty"), [&] { return QueueMessages(queue) == 0; },
        [&] { return Logs(); });
  }

  // The agent is still itself: it heartbeats (two more after `from`) and a genuine action runs on it.
  void CheckAgentServes(const std::string& agent, size_t from) {
    Daemon& daemon = *agents.at(agent);
    REQUIRE(daemon.Alive());
    WaitForLog(daemon, "heartbeat sent", from, 2);
    CheckGenuineActionRuns(agent);
    CHECK(daemon.Alive());
  }
  // A genuine action (the investigator's CLI, through the API) runs on `agent` and its result is recorded.
  void CheckGenuineActionRuns(const std::string& agent) {
    Result r = Mig(
        absl::StrCat("file -t \"name='", agent, "'\" -e 60s -path ", tree, " -name '^marker\\.conf$' --render json"));
    INFO(r.out << r.err << Logs());
    CHECK(r.exit_code == 0);
    CHECK(Count(r.out, "marker.conf") == 1);
    CHECK(absl::StrContains(r.err, "1 agents targeted, 1 answered, 1 found something"));
  }
  // The scheduler is still itself: running, its queues drained (everything acknowledged), and a genuine
  // result is recorded.
  void CheckSchedulerServes() {
    REQUIRE(scheduler->Alive());
    WaitForQueueEmpty("mig.scheduler.results");
    WaitForQueueEmpty("mig.scheduler.heartbeats");
    CheckGenuineActionRuns("alpha");
    CHECK(scheduler->Alive());
  }

  // `mig agent list --json` for one agent: its record as the scheduler holds it.
  std::string AgentRecord(const std::string& agent) {
    Result r = Mig(absl::StrCat("agent list --json -t \"name='", agent, "'\""));
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
  }

  std::string Logs() {
    std::string all = absl::StrCat("--- scheduler\n", Tail(scheduler->Log()));
    for (auto& [name, daemon] : agents) absl::StrAppend(&all, "--- ", name, "\n", Tail(daemon->Log()));
    return all;
  }

  std::unique_ptr<amqp::testing::TestBroker> broker;
  std::string dir;
  std::string tree;  // holds etc/marker.conf, which genuine actions look for
  crypto::Ed25519KeyPair alice = crypto::Ed25519KeyPair::Generate();  // an investigator
  crypto::Ed25519KeyPair eve = crypto::Ed25519KeyPair::Generate();    // nobody the agents know
  std::unique_ptr<Daemon> scheduler;
  std::map<std::string, std::unique_ptr<Daemon>> agents;

 private:
  Fleet() {
    absl::StatusOr<std::unique_ptr<amqp::testing::TestBroker>> started =
        amqp::testing::TestBroker::Start({"alpha", "beta"});
    INFO(started.status().message());
    REQUIRE(started.ok());
    broker = *std::move(started);
    dir = TempDir();
    tree = dir + "/tree";
    REQUIRE(mkdir(tree.c_str(), 0755) == 0);
    REQUIRE(mkdir((tree + "/etc").c_str(), 0755) == 0);
    WriteFile(tree + "/etc/marker.conf", "compromised=yes\n");
    REQUIRE(
        crypto::WriteSecretKeyFile(dir + "/alice.key", "alice", alice, std::nullopt, crypto::KdfStrength::kInteractive)
            .ok());
    const std::string site = broker->site_dir();
    const std::string relay = absl::StrCat("amqps://localhost:", broker->amqps_port(), "/mig");
    const std::string investigators =
        absl::StrCat("[investigator \"alice\"]\n    pubkey = ", alice.public_key().ToString(), "\n");
    WriteFile(dir + "/scheduler.conf",
              absl::StrCat("[scheduler]\n    relay = ", relay, "\n    database = ", dir, "/scheduler.db\n",
                           "    listen = 127.0.0.1:", FreeLoopbackPort(), "\n[certs]\n    ca = ", site,
                           "/ca.crt\n    cert = ", site, "/scheduler.crt\n    key = ", site, "/scheduler.key\n",
                           investigators, "[logging]\n    level = debug\n"));
    for (const std::string agent : {"alpha", "beta"}) {
      WriteFile(absl::StrCat(dir, "/", agent, ".conf"),
                absl::StrCat("[agent]\n    relay = ", relay, "\n    heartbeatfreq = 1s\n    moduletimeout = 60s\n",
                             "    statedir = ", dir, "/", agent, "-state\n[certs]\n    ca = ", site,
                             "/ca.crt\n    cert = ", site, "/agents/", agent, ".crt\n    key = ", site, "/agents/",
                             agent, ".key\n", investigators,
                             "[acl \"default\"]\n    minimumweight = 1\n    investigator = alice:1\n",
                             "[logging]\n    level = debug\n"));
    }
    scheduler = std::make_unique<Daemon>(
        std::vector<std::string>{"--config", dir + "/scheduler.conf", "scheduler", "--port-file", dir + "/port"},
        dir + "/scheduler.log");
    std::string port;
    WaitFor(
        "the scheduler's port file",
        [&] {
          struct stat st;
          if (stat((dir + "/port").c_str(), &st) == 0) {
            port = std::string(absl::StripAsciiWhitespace(ReadFile(dir + "/port")));
          }
          return !port.empty();
        },
        [&] { return scheduler->Log(); });
    WriteFile(dir + "/migrc", absl::StrCat("[api]\n    url = http://127.0.0.1:", port,
                                           "/api/v1/\n[key]\n    file = ", dir, "/alice.key\n"));
    setenv("MIGRC", (dir + "/migrc").c_str(), 1);
    for (const std::string agent : {"alpha", "beta"}) {
      agents[agent] = std::make_unique<Daemon>(
          std::vector<std::string>{"--config", absl::StrCat(dir, "/", agent, ".conf"), "agent"},
          absl::StrCat(dir, "/", agent, ".log"));
    }
    Result list;
    WaitFor(
        "both agents online",
        [&] {
          list = Mig("agent list -t \"status='online'\"");
          return Count(list.out, " online ") == 2;
        },
        [&] { return absl::StrCat(list.out, list.err, Logs()); });
  }

  amqp::Connection& Login(std::unique_ptr<amqp::Connection>& connection, const std::string& user) {
    if (connection == nullptr || !connection->status().ok()) {
      amqp::ConnectionOptions options = broker->Plain(user);
      options.heartbeat = absl::ZeroDuration();  // idle between cases
      options.connection_name = absl::StrCat("hostile test as ", user);
      absl::StatusOr<std::unique_ptr<amqp::Connection>> opened = amqp::Connection::Open(options);
      INFO(opened.status().message());
      REQUIRE(opened.ok());
      connection = *std::move(opened);
    }
    return *connection;
  }
  static std::string Tail(const std::string& log) {
    return log.size() <= 6000 ? log : absl::StrCat("...\n", log.substr(log.size() - 6000));
  }

  std::unique_ptr<amqp::Connection> as_broker_;
  std::unique_ptr<amqp::Connection> as_alpha_;
};

std::string CommandJson(int64_t id, const std::string& action_json) {
  return protocol::CommandToJson({.id = id, .action_json = action_json});
}

// A heartbeat body written by hand, so that any field can hold anything (the caller escapes for JSON, or not).
std::string HeartbeatJson(const std::string& name, const std::string& queue, const std::string& version,
                          const std::string& pid, const std::string& environment = "{}",
                          const std::string& frequency = "") {
  return absl::StrCat(R"({"name":")", name, R"(","queue":")", queue, R"(","mode":"daemon","version":")", version,
                      R"(","pid":)", pid, R"(,"starttime":"2026-01-01T00:00:00Z",)",
                      frequency.empty() ? "" : absl::StrCat(R"("heartbeatfreq":)", frequency, ","), R"("environment":)",
                      environment, R"(,"tags":{}})");
}

// A result body for `command` saying the marker was found.
std::string FoundResult(int64_t command, uint64_t action) {
  return protocol::ResultToJson({.command = command,
                                 .action = action,
                                 .status = protocol::ResultStatus::kSuccess,
                                 .operation_results = {R"({"foundanything":true,"success":true,"elements":{},)"
                                                       R"("statistics":{},"errors":[]})"}});
}

uint64_t ActionIdOf(const std::string& action_json) {
  absl::StatusOr<action::Action> parsed = action::ParseAction(action_json);
  REQUIRE(parsed.ok());
  return parsed->id;
}

// Delivers `action_json` to alpha in place of a genuine command of alpha's (same command id: the broker
// swapped the action), lets alpha handle it, and returns the scheduler's status of the genuine action once
// alpha's answer is recorded.
std::string ReplaceAlphasAction(Fleet& fleet, const std::string& action_json) {
  PendingCommand pending = fleet.TakePendingCommand("alpha");
  fleet.SendToAgent("alpha", {CommandJson(pending.command.id, action_json)});
  fleet.StartAgent("alpha");
  return fleet.WaitForStatus(pending.action, "waiting     0");
}

// ReplaceAlphasAction, then what alpha must do with it: answer as `counter` says (e.g. "refused     1") and log
// `reason` after `from` (a log size taken before). The action's status.
std::string AlphaAnswers(Fleet& fleet, const std::string& action_json, const std::string& counter,
                         const std::string& reason, size_t from) {
  std::string status = ReplaceAlphasAction(fleet, action_json);
  CHECK(absl::StrContains(status, counter));
  fleet.WaitForLog(*fleet.agents.at("alpha"), reason, from);
  return status;
}

// ---------------------------------------------------------------------------------------------------------
// Commands to an agent, published by the broker into the agent's queue.

TEST_CASE("class not-json: an agent drops a command that is not JSON, says so, and goes on") {
  Fleet& fleet = Fleet::Get();
  Daemon& alpha = *fleet.agents.at("alpha");
  size_t from = fleet.LogSize(alpha);
  const std::vector<std::string> bodies = {
      "",
      "garbage",
      std::string("\x00\x01\x02\xff", 4),
      "{\"id\":1,",
      "{\"id\":1,\"action\":{}} trailing",
      "\xef\xbb\xbf{\"id\":1,\"action\":{}}",  // a byte-order mark
  };
  fleet.SendToAgent("alpha", bodies);
  fleet.WaitForLog(alpha, "dropping a malformed command", from, bodies.size());
  fleet.CheckAgentServes("alpha", from);
}

TEST_CASE("class wrong-shape: an agent drops a command of the wrong shape, and refuses a malformed action") {
  Fleet& fleet = Fleet::Get();
  Daemon& alpha = *fleet.agents.at("alpha");
  size_t from = fleet.LogSize(alpha);
  const std::vector<std::string> bodies = {
      "null",
      "[]",
      "\"a command\"",
      "42",
      R"({"id":"7","action":{}})",
      R"({"id":7})",
      R"({"action":{}})",
      R"({"id":7,"action":[]})",
      R"({"id":7,"action":"{}"})",
      R"({"id":7.5,"action":{}})",
      R"({"id":7,"action":{},"extra":true})",
      R"({"id":7,"id":8,"action":{}})",
      R"({"id":99999999999999999999,"action":{}})",
      R"({"id":0,"action":{}})",
      R"({"id":-7,"action":{}})",
  };
  fleet.SendToAgent("alpha", bodies);
  fleet.WaitForLog(alpha, "dropping a malformed command", from, bodies.size());

  // A command the agent can answer for (a real command id) whose action is not an action: refused, reported.
  AlphaAnswers(fleet, R"({"id":12,"operations":"all of them"})", "refused     1", "refused: malformed action", from);
  fleet.CheckAgentServes("alpha", from);
}

TEST_CASE("class oversized: an agent drops a command above its limit without holding it, and goes on") {
  Fleet& fleet = Fleet::Get();
  Daemon& alpha = *fleet.agents.at("alpha");
  size_t from = fleet.LogSize(alpha);
  uint64_t memory_before = alpha.PeakMemory();
  // 100 MB (RabbitMQ's own limit is 128 MiB), then one byte over the agent's limit: a valid command padded
  // with spaces after its action.
  std::string huge(100'000'000, 'x');
  std::string command = CommandJson(7, fleet.SignedAction({}, {&fleet.alice}));
  std::string just_over = command.substr(0, command.size() - 1);
  just_over.append(protocol::kMaxCommandBytes + 1 - command.size(), ' ');
  just_over.push_back('}');
  REQUIRE(just_over.size() == protocol::kMaxCommandBytes + 1);
  fleet.SendToAgent("alpha", {huge, just_over});
  fleet.WaitForLog(alpha, "dropping a command of 100000000 bytes", from);
  fleet.WaitForLog(alpha, absl::StrCat("dropping a command of ", protocol::kMaxCommandBytes + 1, " bytes"), from);
  huge.clear();
  huge.shrink_to_fit();
  // The agent never held them: its peak memory grew by much less than one of them.
  uint64_t growth = alpha.PeakMemory() - memory_before;
  INFO("the agent's peak memory grew by " << (growth >> 20) << " MiB");
  CHECK(growth < (uint64_t{32} << 20));

  // An action one byte over its own limit, in a command within the command limit: refused, reported.
  const std::string prefix = R"({"name":")", suffix = R"("})";
  std::string action_over =
      prefix + std::string(action::kMaxActionBytes + 1 - prefix.size() - suffix.size(), 'a') + suffix;
  REQUIRE(action_over.size() == action::kMaxActionBytes + 1);
  AlphaAnswers(fleet, action_over, "refused     1", absl::StrCat("more than the limit of ", action::kMaxActionBytes),
               from);
  fleet.CheckAgentServes("alpha", from);
}

TEST_CASE("class deep-nesting: an agent drops a command nested 100,000 levels deep, and goes on") {
  Fleet& fleet = Fleet::Get();
  Daemon& alpha = *fleet.agents.at("alpha");
  size_t from = fleet.LogSize(alpha);
  constexpr size_t kLevels = 100'000;
  std::string arrays = std::string(kLevels, '[') + std::string(kLevels, ']');
  std::string objects;
  for (size_t i = 0; i < kLevels; ++i) objects += "{\"a\":";
  objects += "1" + std::string(kLevels, '}');
  fleet.SendToAgent("alpha", {arrays, absl::StrCat(R"({"id":7,"action":)", objects, "}")});
  fleet.WaitForLog(alpha, "nested deeper than", from, 2);
  fleet.CheckAgentServes("alpha", from);
}

TEST_CASE("class invalid-text: invalid UTF-8 and NUL bytes in a command are refused, and logged on one line") {
  Fleet& fleet = Fleet::Get();
  Daemon& alpha = *fleet.agents.at("alpha");
  size_t from = fleet.LogSize(alpha);
  constexpr char kRawNul[] = "{\"id\":7,\"action\":{\"name\":\"a\0b\"}}";
  const std::vector<std::string> bodies = {
      std::string("{\"id\":7,\"action\":{\"name\":\"\xff\xfe\"}}"), std::string(kRawNul, sizeof(kRawNul) - 1),
      std::string("{\"id\":7,\"action\":{\"name\":\"\xed\xa0\x80\"}}"),  // a UTF-16 surrogate, encoded
  };
  fleet.SendToAgent("alpha", bodies);
  fleet.WaitForLog(alpha, "dropping a malformed command", from, bodies.size());

  // Escaped, a NUL is valid JSON: an investigator's signed action naming module "file\0x" is refused (no such
  // module), and the log says so on one line, the NUL shown as \x00.
  ActionSpec nul_module;
  nul_module.module = std::string("file\0x", 6);
  AlphaAnswers(fleet, fleet.SignedAction(nul_module, {&fleet.alice}), "refused     1", R"(no module 'file\x00x')",
               from);
  CHECK_FALSE(absl::StrContains(alpha.Log().substr(from), std::string("file\0x", 6)));
  fleet.CheckAgentServes("alpha", from);
}

TEST_CASE("class unsigned: an agent refuses an action without a signature, and the scheduler records it") {
  Fleet& fleet = Fleet::Get();
  Daemon& alpha = *fleet.agents.at("alpha");
  size_t from = fleet.LogSize(alpha);
  std::string status = AlphaAnswers(fleet, fleet.SignedAction({}, {}), "refused     1", "refused: no signature", from);
  CHECK(absl::StrContains(status, "success     0"));
  fleet.CheckAgentServes("alpha", from);
}

TEST_CASE("class forged-signature: an agent refuses an action signed by an unknown key, or changed after signing") {
  Fleet& fleet = Fleet::Get();
  Daemon& alpha = *fleet.agents.at("alpha");
  size_t from = fleet.LogSize(alpha);
  AlphaAnswers(fleet, fleet.SignedAction({}, {&fleet.eve}), "refused     1", "refused: unknown signer", from);

  // Alice's signature, and then the search widened to the whole disk.
  std::string changed = fleet.SignedAction({}, {&fleet.alice});
  size_t path = changed.find(fleet.tree);
  REQUIRE(path != std::string::npos);
  changed.replace(path, fleet.tree.size(), "/");
  AlphaAnswers(fleet, changed, "refused     1", "refused: bad signature", from);
  fleet.CheckAgentServes("alpha", from);
}

TEST_CASE("class replay: an agent runs an action once, whether its bytes come twice or its id is signed again") {
  Fleet& fleet = Fleet::Get();
  Daemon& alpha = *fleet.agents.at("alpha");
  size_t from = fleet.LogSize(alpha);
  // The genuine command, delivered twice by the broker: it runs once, the second is refused.
  PendingCommand pending = fleet.TakePendingCommand("alpha");
  std::string genuine = CommandJson(pending.command.id, pending.command.action_json);
  fleet.SendToAgent("alpha", {genuine, genuine});
  fleet.StartAgent("alpha");
  fleet.WaitForLog(alpha, "refused: replayed", from);
  std::string status = fleet.WaitForStatus(pending.action, "waiting     0");
  CHECK(absl::StrContains(status, "success     1"));
  CHECK(absl::StrContains(status, "answered    1 (1 found something)"));
  CHECK(Count(alpha.Log().substr(from), ": success") == 1);

  // The same action id, signed again by a real investigator over other parameters: refused as a replay.
  ActionSpec again;
  again.id = ActionIdOf(pending.command.action_json);
  again.parameters = R"({"searches":{"s1":{"names":["^passwd$"],"paths":["/etc"]}}})";
  size_t before_second = fleet.LogSize(alpha);
  AlphaAnswers(fleet, fleet.SignedAction(again, {&fleet.alice}), "refused     1",
               absl::StrCat("refused: replayed: action ", *again.id, " already ran here"), before_second);
  fleet.CheckAgentServes("alpha", from);
}

TEST_CASE("class validity-window: an agent refuses an expired action, one not yet valid, and one valid too long") {
  Fleet& fleet = Fleet::Get();
  Daemon& alpha = *fleet.agents.at("alpha");
  size_t from = fleet.LogSize(alpha);
  ActionSpec expired;
  expired.starts = -absl::Hours(3);
  expired.lasts = absl::Hours(1);
  AlphaAnswers(fleet, fleet.SignedAction(expired, {&fleet.alice}), "expired     1", "expired: the action expired at",
               from);

  ActionSpec early;
  early.starts = absl::Hours(2);
  AlphaAnswers(fleet, fleet.SignedAction(early, {&fleet.alice}), "refused     1", "refused: not yet valid", from);

  ActionSpec long_lived;
  long_lived.lasts = absl::Hours(24 * 365);
  AlphaAnswers(fleet, fleet.SignedAction(long_lived, {&fleet.alice}), "refused     1", "refused: validity too long",
               from);
  fleet.CheckAgentServes("alpha", from);
}

TEST_CASE("class unknown-module: an agent refuses a signed action whose module does not exist") {
  Fleet& fleet = Fleet::Get();
  Daemon& alpha = *fleet.agents.at("alpha");
  size_t from = fleet.LogSize(alpha);
  ActionSpec spec;
  spec.module = "nosuchmodule";
  AlphaAnswers(fleet, fleet.SignedAction(spec, {&fleet.alice}), "refused     1",
               "refused: unknown module: operation 0: no module 'nosuchmodule'", from);
  fleet.CheckAgentServes("alpha", from);
}

TEST_CASE("class flood: an agent drops 10,000 garbage commands, keeps heartbeating, and still runs a genuine one") {
  Fleet& fleet = Fleet::Get();
  Daemon& alpha = *fleet.agents.at("alpha");
  size_t from = fleet.LogSize(alpha);
  constexpr int kFlood = 10'000;
  amqp::Connection& broker = fleet.AsBroker();
  for (int i = 0; i < kFlood; ++i) {
    REQUIRE(broker.PublishAsync(protocol::kAgentsExchange, "alpha", absl::StrCat("garbage ", i), {.persistent = false})
                .ok());
  }
  REQUIRE(broker.WaitForConfirms(kPatience).ok());
  fleet.WaitForLog(alpha, "dropping a malformed command", from, kFlood);
  fleet.WaitForQueueEmpty(protocol::AgentQueue("alpha"));
  fleet.CheckAgentServes("alpha", from);
}

// ---------------------------------------------------------------------------------------------------------
// Results and heartbeats to the scheduler: as alpha (its login may publish only under its own name) and as
// the broker (any routing key).

TEST_CASE("class not-json: the scheduler drops results and heartbeats that are not JSON, acknowledged once") {
  Fleet& fleet = Fleet::Get();
  Daemon& scheduler = *fleet.scheduler;
  size_t from = fleet.LogSize(scheduler);
  const std::vector<std::string> bodies = {"", "garbage", std::string("\x00\xff", 2), "{\"command\":"};
  fleet.SendAsAlpha("alpha.results", bodies);
  fleet.SendAsAlpha("alpha.heartbeat", bodies);
  fleet.CheckSchedulerServes();
  // Dropped once each: acknowledged, not redelivered.
  std::string log = scheduler.Log().substr(from);
  CHECK(Count(log, "dropping a malformed result from agent alpha") == bodies.size());
  CHECK(Count(log, "dropping a heartbeat with routing key 'alpha.heartbeat'") == bodies.size());
}

TEST_CASE("class wrong-shape: the scheduler drops results of the wrong shape and records the genuine one") {
  Fleet& fleet = Fleet::Get();
  Daemon& scheduler = *fleet.scheduler;
  size_t from = fleet.LogSize(scheduler);
  PendingCommand pending = fleet.TakePendingCommand("alpha");
  const int64_t c = pending.command.id;
  uint64_t action = ActionIdOf(pending.command.action_json);
  std::string too_many_operations =
      absl::StrCat(R"({"command":)", c, R"(,"action":)", action, R"(,"status":"success","reason":"","results":[)");
  for (int i = 0; i < 100'000; ++i)
    absl::StrAppend(&too_many_operations, i == 0 ? "" : ",", R"({"foundanything":true})");
  too_many_operations += "]}";
  const std::vector<std::string> bodies = {
      "[]",
      "null",
      absl::StrCat(R"({"command":")", c, R"(","action":1,"status":"success","reason":"","results":[]})"),
      absl::StrCat(R"({"command":)", c, R"(,"action":1,"status":"owned","reason":"","results":[]})"),
      absl::StrCat(R"({"command":)", c, R"(,"action":1,"status":"success","reason":"","results":{}})"),
      absl::StrCat(R"({"command":)", c, R"(,"action":1,"status":"success","reason":""})"),
      absl::StrCat(R"({"command":)", c, R"(,"action":1,"status":"success","reason":"","results":[],"x":1})"),
      absl::StrCat(R"({"command":)", c, R"(,"command":1,"action":1,"status":"success","reason":"","results":[]})"),
      absl::StrCat(R"({"command":)", c, R"(,"action":-1,"status":"success","reason":"","results":[]})"),
      too_many_operations,
  };
  fleet.SendAsAlpha("alpha.results", bodies);
  fleet.WaitForQueueEmpty("mig.scheduler.results");
  CHECK(Count(scheduler.Log().substr(from), "dropping a malformed result from agent alpha") == bodies.size());
  std::string status = fleet.WaitForStatus(pending.action, "waiting     1");
  CHECK(absl::StrContains(status, "answered    0"));
  // The genuine command, given back to alpha: its answer is recorded.
  fleet.SendToAgent("alpha", {CommandJson(c, pending.command.action_json)});
  fleet.StartAgent("alpha");
  status = fleet.WaitForStatus(pending.action, "waiting     0");
  CHECK(absl::StrContains(status, "success     1"));
  fleet.CheckSchedulerServes();
}

TEST_CASE("class oversized: the scheduler drops results above its limit and never holds a queue's worth") {
  Fleet& fleet = Fleet::Get();
  Daemon& scheduler = *fleet.scheduler;
  size_t from = fleet.LogSize(scheduler);
  // One byte over the limit (a valid result padded with spaces), then 100 MB.
  std::string over = FoundResult(987654321, 1);
  over.append(protocol::kMaxResultBytes + 1 - over.size(), ' ');
  fleet.SendAsAlpha("alpha.results", {over, std::string(100'000'000, 'x')});
  over.clear();
  over.shrink_to_fit();
  fleet.WaitForLog(scheduler, absl::StrCat("dropping a result of ", protocol::kMaxResultBytes + 1, " bytes"), from);
  fleet.WaitForLog(scheduler, "dropping a result of 100000000 bytes", from);

  // A burst of results each just under the limit, for a command that does not exist: the scheduler takes
  // them a bounded batch at a time, not all at once.
  constexpr int kBurst = 12;
  std::string near_limit = absl::StrCat(R"({"command":987654321,"action":1,"status":"failed","reason":")",
                                        std::string(protocol::kMaxResultBytes - 200, 'r'), R"(","results":[]})");
  amqp::Connection& as_alpha = fleet.AsAlpha();
  for (int i = 0; i < kBurst; ++i) {
    REQUIRE(as_alpha.PublishAsync(protocol::kResultsExchange, "alpha.results", near_limit, {.persistent = false}).ok());
  }
  REQUIRE(as_alpha.WaitForConfirms(kPatience).ok());
  uint64_t memory_before = scheduler.PeakMemory();
  fleet.WaitForLog(scheduler, "answered command 987654321, which this scheduler never sent", from, kBurst);
  uint64_t growth = scheduler.PeakMemory() - memory_before;
  INFO("the scheduler's peak memory grew by " << (growth >> 20) << " MiB for " << kBurst << " results of "
                                              << (near_limit.size() >> 20) << " MiB");
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer keeps freed memory in its quarantine (256 MiB by default) before reusing it, so results
  // the scheduler has already let go of still count in its peak. A scheduler that held the whole burst would
  // still be far above: 12 results of 64 MiB.
  constexpr uint64_t kFreedButKept = uint64_t{256} << 20;
#else
  constexpr uint64_t kFreedButKept = 0;
#endif
#if !defined(MIG_TSAN)
  // Not under ThreadSanitizer: its shadow memory (several bytes for each byte the program touches) is part of
  // the peak, so the peak says nothing of how many results the scheduler held.
  CHECK(growth < kBurst / 2 * near_limit.size() + kFreedButKept);
#endif
  fleet.CheckSchedulerServes();
}

TEST_CASE("class unknown-command: the scheduler drops a result for a command it never sent") {
  Fleet& fleet = Fleet::Get();
  Daemon& scheduler = *fleet.scheduler;
  size_t from = fleet.LogSize(scheduler);
  fleet.SendAsAlpha("alpha.results", {FoundResult(987654320, 1), FoundResult(int64_t{1} << 62, 1)});
  fleet.WaitForLog(scheduler, "answered command 987654320, which this scheduler never sent", from);
  fleet.WaitForLog(scheduler, absl::StrCat("answered command ", int64_t{1} << 62, ", which this scheduler never sent"),
                   from);
  fleet.CheckSchedulerServes();
}

TEST_CASE("class impersonation: a result or heartbeat for another agent is dropped; routing keys are checked") {
  Fleet& fleet = Fleet::Get();
  Daemon& scheduler = *fleet.scheduler;
  size_t from = fleet.LogSize(scheduler);
  // Alpha answers beta's command.
  PendingCommand betas = fleet.TakePendingCommand("beta");
  fleet.SendAsAlpha("alpha.results", {FoundResult(betas.command.id, ActionIdOf(betas.command.action_json))});
  fleet.WaitForLog(scheduler, absl::StrCat("sent a result for command ", betas.command.id, ", which is not its own"),
                   from);
  CHECK(absl::StrContains(fleet.WaitForStatus(betas.action, "waiting     1"), "answered    0"));
  // Beta gets its command back and answers it.
  fleet.SendToAgent("beta", {CommandJson(betas.command.id, betas.command.action_json)});
  fleet.StartAgent("beta");
  CHECK(absl::StrContains(fleet.WaitForStatus(betas.action, "waiting     0"), "success     1"));

  // Alpha says it is beta: a heartbeat beta could have sent, but for a version beta does not run.
  fleet.SendAsAlpha("alpha.heartbeat", {HeartbeatJson("beta", "mig.agent.beta", "6.6.6", "1")});
  fleet.WaitForLog(scheduler, "dropping a heartbeat with routing key 'alpha.heartbeat': it does not come from", from);
  CHECK_FALSE(absl::StrContains(fleet.AgentRecord("beta"), R"("version":"6.6.6")"));

  // Routing keys only the broker could use: not an agent's name, a line break, a name with no agent.
  amqp::Connection& broker = fleet.AsBroker();
  for (const std::string key : {"ALPHA.results", "a\nb.results", ".results", "alpha..results"}) {
    REQUIRE(broker.Publish(protocol::kResultsExchange, key, FoundResult(1, 1), {.persistent = false}).ok());
  }
  fleet.WaitForLog(scheduler, "dropping a message with routing key", from, 4);
  // The line break is shown, not obeyed: every log line is one line.
  CHECK(absl::StrContains(scheduler.Log().substr(from), R"(routing key 'a\nb.results')"));
  fleet.CheckSchedulerServes();
}

TEST_CASE("class duplicate: a result delivered twice is recorded once") {
  Fleet& fleet = Fleet::Get();
  PendingCommand pending = fleet.TakePendingCommand("alpha");
  std::string result = FoundResult(pending.command.id, ActionIdOf(pending.command.action_json));
  fleet.SendAsAlpha("alpha.results", {result, result, result});
  fleet.WaitForStatus(pending.action, "waiting     0");
  fleet.WaitForQueueEmpty("mig.scheduler.results");
  CHECK(
      absl::StrContains(Mig(absl::StrCat("action status ", pending.action)).out, "answered    1 (1 found something)"));
  Result results = Mig(absl::StrCat("action results ", pending.action, " --render json"));
  CHECK(Count(results.out, "\"agent\":\"alpha\"") == 1);
  fleet.StartAgent("alpha");
  fleet.CheckSchedulerServes();
}

TEST_CASE("class hostile-heartbeat: the scheduler records no heartbeat field an agent could not have sent") {
  Fleet& fleet = Fleet::Get();
  Daemon& scheduler = *fleet.scheduler;
  Daemon& alpha = *fleet.agents.at("alpha");
  // Alpha stopped, so that no genuine heartbeat of its own overwrites what a forged one would record.
  REQUIRE(alpha.Stop(SIGTERM) == 0);
  size_t from = fleet.LogSize(scheduler);
  const std::vector<std::string> bodies = {
      // An environment far larger than a host's.
      HeartbeatJson("alpha", "mig.agent.alpha", "0.1.0-dev", "4194305",
                    absl::StrCat(R"({"ident":")", std::string(2 << 20, 'e'), R"("})")),
      // Invalid UTF-8 in a field.
      HeartbeatJson("alpha", "mig.agent.alpha", "0.1\xff", "4194305"),
      // Control characters in the name, and in the version (a terminal escape and a line break).
      HeartbeatJson("alpha\\u001b[2J", "mig.agent.alpha", "0.1.0-dev", "4194305"),
      HeartbeatJson("alpha", "mig.agent.alpha", "1.0\\u001b[31m\\nFORGED", "4194305"),
      // Another agent's queue, a process id no process has.
      HeartbeatJson("alpha", "mig.agent.beta", "0.1.0-dev", "4194305"),
      HeartbeatJson("alpha", "mig.agent.alpha", "0.1.0-dev", "-4194305"),
      // A heartbeat frequency that would make a dead agent look alive for ever, or overflow the scheduler's
      // arithmetic; every other field genuine, so that the frequency alone is what is refused.
      HeartbeatJson("alpha", "mig.agent.alpha", "0.1.0-dev", "1234", "{}", "9223372036854775807"),
      HeartbeatJson("alpha", "mig.agent.alpha", "0.1.0-dev", "1234", "{}", "604801"),
      HeartbeatJson("alpha", "mig.agent.alpha", "0.1.0-dev", "1234", "{}", "0"),
      HeartbeatJson("alpha", "mig.agent.alpha", "0.1.0-dev", "1234", "{}", "-10"),
      HeartbeatJson("alpha", "mig.agent.alpha", "0.1.0-dev", "1234", "{}", "1e300"),
      HeartbeatJson("alpha", "mig.agent.alpha", "0.1.0-dev", "1234", "{}", R"("10s")"),
  };
  fleet.SendAsAlpha("alpha.heartbeat", bodies);
  fleet.WaitForQueueEmpty("mig.scheduler.heartbeats");
  fleet.WaitForLog(scheduler, "dropping a heartbeat with routing key 'alpha.heartbeat'", from, bodies.size());
  std::string record = fleet.AgentRecord("alpha");
  INFO(record);
  CHECK(absl::StrContains(record, R"("queueloc":"mig.agent.alpha")"));
  CHECK(absl::StrContains(record, R"("version":"0.1.0-dev")"));
  CHECK_FALSE(absl::StrContains(record, "4194305"));
  CHECK_FALSE(absl::StrContains(record, "FORGED"));
  fleet.StartAgent("alpha");
  fleet.CheckSchedulerServes();
}

TEST_CASE("class flood: the scheduler drops 10,000 garbage results and heartbeats and records the genuine one") {
  Fleet& fleet = Fleet::Get();
  Daemon& scheduler = *fleet.scheduler;
  size_t from = fleet.LogSize(scheduler);
  constexpr int kFlood = 10'000;
  amqp::Connection& as_alpha = fleet.AsAlpha();
  for (int i = 0; i < kFlood; ++i) {
    const char* key = i % 2 == 0 ? "alpha.results" : "alpha.heartbeat";
    REQUIRE(as_alpha.PublishAsync(protocol::kResultsExchange, key, absl::StrCat("garbage ", i), {.persistent = false})
                .ok());
  }
  REQUIRE(as_alpha.WaitForConfirms(kPatience).ok());
  fleet.WaitForLog(scheduler, "dropping a malformed result from agent alpha", from, kFlood / 2);
  fleet.WaitForLog(scheduler, "dropping a heartbeat with routing key 'alpha.heartbeat'", from, kFlood / 2);
  fleet.CheckSchedulerServes();
}

}  // namespace
}  // namespace mig::test
