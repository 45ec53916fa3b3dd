// The whole system as it runs: a real RabbitMQ broker, `mig scheduler`, three `mig agent` processes (each
// with its own certificate and state), and the investigator's commands through the scheduler's API. Then
// the failures: the broker restarting under everyone, and the scheduler killed in the middle of an action.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/amqp/testing/test_broker.h"
#include "base/json/reader.h"
#include "catch2/catch.hpp"
#include "test/cli_harness.h"
#include "test/daemon.h"

namespace mig::test {
namespace {

const std::vector<std::string> kAgents = {"alpha", "beta", "gamma"};

// How many times `needle` occurs in `text`.
size_t Count(std::string_view text, std::string_view needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

class Fleet {
 public:
  Fleet() {
    absl::StatusOr<std::unique_ptr<amqp::testing::TestBroker>> started = amqp::testing::TestBroker::Start(kAgents);
    INFO(started.status().message());
    REQUIRE(started.ok());
    broker = *std::move(started);
    dir = TempDir();
    Result key = Mig(absl::StrCat("key generate --name alice --no-passphrase --out ", dir, "/alice.key"));
    REQUIRE(key.exit_code == 0);
    REQUIRE(Mig(absl::StrCat("key generate --name bob --no-passphrase --out ", dir, "/bob.key")).exit_code == 0);
    auto public_key = [&](const std::string& name) {
      std::string line(absl::StripAsciiWhitespace(ReadFile(absl::StrCat(dir, "/", name, ".key.pub"))));
      return line.substr(0, line.find(' '));
    };
    const std::string site = broker->site_dir();
    std::string relay = absl::StrCat("amqps://localhost:", broker->amqps_port(), "/mig");
    std::string investigators = absl::StrCat("[investigator \"alice\"]\n    pubkey = ", public_key("alice"),
                                             "\n[investigator \"bob\"]\n    pubkey = ", public_key("bob"), "\n");
    WriteFile(dir + "/scheduler.conf",
              absl::StrCat("[scheduler]\n    relay = ", relay, "\n    database = ", dir, "/scheduler.db\n",
                           "    listen = 127.0.0.1:0\n[certs]\n    ca = ", site, "/ca.crt\n    cert = ", site,
                           "/scheduler.crt\n    key = ", site, "/scheduler.key\n", investigators,
                           "[logging]\n    level = debug\n"));
    for (const std::string& agent : kAgents) {
      // gamma demands two investigators for netstat: alice alone is refused there.
      std::string acl = agent == "gamma" ? "[acl \"netstat\"]\n    minimumweight = 2\n    investigator = alice:1\n"
                                           "    investigator = bob:1\n"
                                         : "";
      WriteFile(absl::StrCat(dir, "/", agent, ".conf"),
                absl::StrCat("[agent]\n    relay = ", relay, "\n    heartbeatfreq = 2s\n    moduletimeout = 60s\n",
                             "    statedir = ", dir, "/", agent, "-state\n    tag = role:", agent,
                             "\n[certs]\n    ca = ", site, "/ca.crt\n    cert = ", site, "/agents/", agent,
                             ".crt\n    key = ", site, "/agents/", agent, ".key\n", investigators,
                             "[acl \"default\"]\n    minimumweight = 1\n    investigator = alice:1\n", acl,
                             "[logging]\n    level = debug\n"));
    }
    StartScheduler();
    for (const std::string& agent : kAgents) {
      agents[agent] = std::make_unique<Daemon>(
          std::vector<std::string>{"--config", absl::StrCat(dir, "/", agent, ".conf"), "agent"},
          absl::StrCat(dir, "/", agent, ".log"));
    }
  }

  void StartScheduler() {
    std::remove((dir + "/port").c_str());
    scheduler = std::make_unique<Daemon>(
        std::vector<std::string>{"--config", dir + "/scheduler.conf", "scheduler", "--port-file", dir + "/port"},
        dir + "/scheduler.log");
    std::string port;
    for (int i = 0; i < 100 && port.empty(); ++i) {
      absl::SleepFor(absl::Milliseconds(100));
      struct stat st;
      if (stat((dir + "/port").c_str(), &st) == 0)
        port = std::string(absl::StripAsciiWhitespace(ReadFile(dir + "/port")));
    }
    INFO(scheduler->Log());
    REQUIRE(!port.empty());
    WriteFile(dir + "/migrc", absl::StrCat("[api]\n    url = http://127.0.0.1:", port, "/api/v1/\n[key]\n    file = ",
                                           dir, "/alice.key\n[targets]\n    macro = fleet:status='online'\n"));
    setenv("MIGRC", (dir + "/migrc").c_str(), 1);
  }

  // Waits until the scheduler lists every agent online.
  void WaitForAgents() {
    Result list;
    for (int i = 0; i < 150; ++i) {
      list = Mig("agent list -t fleet");
      if (list.exit_code == 0 && Count(list.out, " online ") == kAgents.size()) return;
      absl::SleepFor(absl::Milliseconds(200));
    }
    INFO(list.out << list.err << Logs());
    FAIL("the agents did not all come online");
  }

  // Waits until the broker's queue `name` holds `count` messages (ready or delivered but not acknowledged).
  void WaitForQueue(const std::string& name, int64_t count) {
    std::string listed;
    for (int i = 0; i < 60; ++i) {
      absl::StatusOr<std::string> queues = broker->Ctl("list_queues -q -p mig name messages");
      listed = queues.ok() ? *queues : std::string(queues.status().message());
      for (std::string_view line : absl::StrSplit(listed, '\n')) {
        std::vector<std::string_view> fields = absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
        int64_t messages = 0;
        if (fields.size() == 2 && fields[0] == name && absl::SimpleAtoi(fields[1], &messages) && messages == count) {
          return;
        }
      }
      absl::SleepFor(absl::Milliseconds(250));
    }
    INFO(listed << Logs());
    FAIL(absl::StrCat("queue ", name, " never held ", count, " messages"));
  }

  std::string Logs() {
    std::string all = absl::StrCat("--- scheduler\n", scheduler->Log());
    for (auto& [name, daemon] : agents) absl::StrAppend(&all, "--- ", name, "\n", daemon->Log());
    return all;
  }

  std::unique_ptr<amqp::testing::TestBroker> broker;
  std::string dir;
  std::unique_ptr<Daemon> scheduler;
  std::map<std::string, std::unique_ptr<Daemon>> agents;
};

// The JSON lines `--render json` prints, one per agent, by agent name.
std::map<std::string, std::string> LinesByAgent(const std::string& out) {
  std::map<std::string, std::string> lines;
  for (std::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
    auto document = json::JsonDocument::Parse(line, "line");
    REQUIRE(document.ok());
    std::string_view agent;
    REQUIRE((*document)->root()["agent"].get(agent) == simdjson::SUCCESS);
    lines[std::string(agent)] = std::string(line);
  }
  return lines;
}

// The action id that `mig ... --no-follow` printed.
int64_t LaunchedId(const Result& r) {
  int64_t id = 0;
  INFO(r.out << r.err);
  REQUIRE(absl::SimpleAtoi(absl::StripAsciiWhitespace(r.out), &id));
  return id;
}

TEST_CASE("Investigations run across a fleet of real agents through a real broker", "[fleet]") {
  Fleet fleet;
  fleet.WaitForAgents();
  std::string tree = fleet.dir + "/tree";
  mkdir(tree.c_str(), 0755);
  mkdir((tree + "/etc").c_str(), 0755);
  WriteFile(tree + "/etc/marker.conf", "compromised=yes\n");

  SECTION("file: every agent answers once, found") {
    Result r =
        Mig(absl::StrCat("file -t fleet -e 60s -path ", tree, " -name '^marker' -content compromised --render json"));
    INFO(r.out << r.err << fleet.Logs());
    CHECK(r.exit_code == 0);
    std::map<std::string, std::string> lines = LinesByAgent(r.out);
    REQUIRE(lines.size() == 3);
    for (const std::string& agent : kAgents) {
      CHECK(absl::StrContains(lines[agent], "\"foundanything\":true"));
      CHECK(absl::StrContains(lines[agent], "marker.conf"));
    }
    CHECK(absl::StrContains(r.err, "3 agents targeted"));
    CHECK(absl::StrContains(r.err, "3 answered, 3 found something"));
    // In text, MIG's client prefixes each line with the agent.
    Result text = Mig(absl::StrCat("file -t \"name IN ('alpha','beta')\" -e 60s -path ", tree, " -name '^marker'"));
    CHECK(text.exit_code == 0);
    CHECK(Count(text.out, "marker.conf") == 2);
    CHECK(absl::StrContains(text.out, "alpha " + tree + "/etc/marker.conf"));
    CHECK_FALSE(absl::StrContains(text.out, "gamma"));
  }

  SECTION("pkg and netstat; an agent whose ACL refuses says why; -target-found") {
    Result pkg = Mig("pkg -t fleet -e 60s -name '^dpkg$' --render json");
    INFO(pkg.out << pkg.err << fleet.Logs());
    CHECK(pkg.exit_code == 0);
    CHECK(LinesByAgent(pkg.out).size() == 3);
    Result netstat = Mig(absl::StrCat("netstat -t fleet -e 60s -lp ", fleet.broker->amqps_port(), " --show all"));
    INFO(netstat.out << netstat.err);
    CHECK(Count(netstat.out, absl::StrCat("found listening port ", fleet.broker->amqps_port())) == 2);
    CHECK(absl::StrContains(netstat.err, "1 refused: gamma ("));
    CHECK(absl::StrContains(netstat.out, "gamma refused: "));

    Result first = Mig(absl::StrCat("file -t fleet -e 60s -path ", tree, " -name '^marker' --no-follow"));
    int64_t id = LaunchedId(first);
    Result wait = Mig(absl::StrCat("action results ", id, " --follow"));
    CHECK(wait.exit_code == 0);
    Result narrowed = Mig(absl::StrCat("file -t \"name != 'beta'\" --target-found ", id, " -e 60s -path ", tree,
                                       " -name '^marker' --render json"));
    INFO(narrowed.out << narrowed.err);
    std::map<std::string, std::string> lines = LinesByAgent(narrowed.out);
    CHECK(lines.size() == 2);
    CHECK(lines.count("beta") == 0);
    Result status = Mig(absl::StrCat("action status ", id));
    CHECK(status.exit_code == 0);
    CHECK(absl::StrContains(status.out, "answered    3 (3 found something)"));
    // One action id everywhere: the investigator's, the list's and the agents' logs.
    Result listed = Mig("action list --mine --since 1h");
    INFO(listed.out << listed.err);
    CHECK(listed.exit_code == 0);
    CHECK(absl::StrContains(listed.out, absl::StrCat("\n", id, " ")));
    CHECK(absl::StrContains(fleet.agents["alpha"]->Log(), absl::StrCat("(action ", id, ")")));
    CHECK(Mig("action list --name no-such-action").exit_code == 1);
  }

  SECTION("checkin mode: an agent without a daemon drains its queue, answers and exits") {
    REQUIRE(fleet.agents["gamma"]->Stop(SIGTERM) == 0);  // a clean stop
    Result launched = Mig(absl::StrCat("file -t \"name='gamma'\" -e 60s -path ", tree, " -name '^marker' --no-follow"));
    int64_t id = LaunchedId(launched);
    Result checkin = Mig(absl::StrCat("--config ", fleet.dir, "/gamma.conf agent --checkin"));
    INFO(checkin.err);
    CHECK(checkin.exit_code == 0);
    CHECK(absl::StrContains(checkin.err, "checkin: queue drained, every result sent"));
    Result r = Mig(absl::StrCat("action results ", id, " --render json"));
    INFO(r.out << r.err);
    std::map<std::string, std::string> lines = LinesByAgent(r.out);
    REQUIRE(lines.count("gamma") == 1);
    CHECK(absl::StrContains(lines["gamma"], "\"foundanything\":true"));
    // The checkin run heartbeated as such.
    Result list = Mig("agent list -t \"name='gamma'\"");
    CHECK(absl::StrContains(list.out, "checkin"));
  }

  SECTION("an agent killed: it is named wherever the fleet's answer is, and every count agrees") {
    REQUIRE(fleet.agents["gamma"]->Stop(SIGKILL) == -1);
    const std::string everyone = "-t \"name IN ('alpha','beta','gamma')\"";
    // Following stops once gamma has missed its heartbeats (2 s each, idle after 3), long before the expiry.
    Result r = Mig(absl::StrCat("file ", everyone, " -e 10m -path ", tree, " -name '^marker'"));
    INFO(r.out << r.err << fleet.Logs());
    CHECK(r.exit_code == 0);  // alpha and beta found it
    CHECK(Count(r.out, "marker.conf") == 2);
    CHECK(absl::StrContains(r.err, "stopped waiting: the 1 agent still to answer is idle or offline"));
    CHECK(absl::StrContains(r.err, "3 agents targeted, 2 answered, 2 found something"));
    CHECK(absl::StrContains(r.err, "1 has not answered yet: gamma ("));
    CHECK(absl::StrContains(r.err, "INCOMPLETE: 1 of 3 agents not fully covered (1 did not answer)"));
    Result list = Mig("agent list -t \"name='gamma'\"");
    CHECK_FALSE(absl::StrContains(list.out, " online "));

    // An action that expires with gamma silent: "did not answer", in the summary, the text and the JSON.
    Result launched =
        Mig(absl::StrCat("file ", everyone, " -e 3s -path ", tree, " -name '^nothing-here$' --no-follow"));
    int64_t id = LaunchedId(launched);
    Result status = WaitForActionStatus(id, "no answer   1", absl::Seconds(60));
    INFO(status.out << status.err << fleet.Logs());
    REQUIRE(absl::StrContains(status.out, "no answer   1"));
    CHECK(absl::StrContains(status.out, "targeted    3"));
    CHECK(absl::StrContains(status.out, "answered    2 (0 found something)"));
    CHECK(absl::StrContains(status.out, "waiting     0"));
    Result status_json = Mig(absl::StrCat("action status ", id, " --render json"));
    CHECK(absl::StrContains(status_json.out,
                            "\"targeted\":3,\"answered\":2,\"pending\":0,\"pendingnotonline\":0,"
                            "\"unanswered\":1"));
    Result text = Mig(absl::StrCat("action results ", id, " --show all"));
    INFO(text.out << text.err);
    CHECK(text.exit_code == 4);  // nothing found, but not everyone looked
    CHECK(absl::StrContains(text.out, "gamma did not answer ("));
    CHECK(absl::StrContains(text.err, "3 agents targeted, 2 answered, 0 found something"));
    CHECK(absl::StrContains(text.err, "1 did not answer before the action expired: gamma ("));
    CHECK(absl::StrContains(text.err, "last heartbeat 20"));
    CHECK(absl::StrContains(text.err, "nothing found is not proof of absence"));
    Result json = Mig(absl::StrCat("action results ", id, " --show all --render json"));
    std::map<std::string, std::string> lines = LinesByAgent(json.out);
    REQUIRE(lines.size() == 3);
    CHECK(absl::StrContains(lines["gamma"], "\"status\":\"unanswered\",\"answered\":false"));
    CHECK(absl::StrContains(lines["alpha"], "\"status\":\"success\",\"answered\":true"));
    // mig's own JSON form: no MIG placeholder entry for a search that found nothing.
    CHECK_FALSE(absl::StrContains(lines["alpha"], "\"file\":\"\""));
  }

  SECTION("bad targets and unknown actions are refused with the reason") {
    Result other_table =
        Mig(absl::StrCat("file -t \"id IN (SELECT id FROM actions)\" -e 60s -path ", tree, " -name x"));
    CHECK(other_table.exit_code == 2);
    CHECK(absl::StrContains(other_table.err, "actions"));
    Result nobody = Mig(absl::StrCat("file -t \"name = 'nobody'\" -e 60s -path ", tree, " -name x"));
    CHECK(nobody.exit_code == 1);
    CHECK(absl::StrContains(nobody.err, "0 agents targeted"));
    Result missing = Mig("action status 987654");
    CHECK(missing.exit_code != 0);
    CHECK(absl::StrContains(missing.err, "no action 987654"));
  }

  SECTION("the broker restarts: an action launched while it is down runs once it is back") {
    REQUIRE(fleet.broker->Stop().ok());
    Result launched = Mig(absl::StrCat("file -t fleet -e 120s -path ", tree, " -name '^marker' --no-follow"));
    int64_t id = LaunchedId(launched);
    absl::SleepFor(absl::Seconds(2));
    REQUIRE(fleet.broker->Resume().ok());
    Result r = Mig(absl::StrCat("action results ", id, " --follow --render json"));
    INFO(r.out << r.err << fleet.Logs());
    CHECK(r.exit_code == 0);
    CHECK(LinesByAgent(r.out).size() == 3);
    for (const std::string& agent : kAgents) CHECK(Count(fleet.agents[agent]->Log(), "reconnecting in") >= 1);
  }

  SECTION("the scheduler is killed mid-action: nothing is lost, nothing runs twice") {
    // The results must arrive while the scheduler is down, whatever the timing: the agents are stopped until
    // the scheduler has published the commands and been killed, and the results are seen waiting in its queue
    // before it comes back.
    for (const std::string& agent : kAgents) fleet.agents[agent]->Signal(SIGSTOP);
    Result launched = Mig(absl::StrCat("file -t fleet -e 120s -path ", tree, " -name '^marker' --no-follow"));
    int64_t id = LaunchedId(launched);
    for (const std::string& agent : kAgents) fleet.WaitForQueue("mig.agent." + agent, 1);
    fleet.scheduler->Stop(SIGKILL);
    for (const std::string& agent : kAgents) fleet.agents[agent]->Signal(SIGCONT);
    fleet.WaitForQueue("mig.scheduler.results", 3);
    fleet.StartScheduler();
    Result r = Mig(absl::StrCat("action results ", id, " --follow --show all --render json"));
    INFO(r.out << r.err << fleet.Logs());
    std::map<std::string, std::string> lines = LinesByAgent(r.out);
    CHECK(lines.size() == 3);
    for (const std::string& agent : kAgents) CHECK(absl::StrContains(lines[agent], "\"status\":\"success\""));
    Result status = Mig(absl::StrCat("action status ", id));
    CHECK(absl::StrContains(status.out, "success     3"));
  }
}

}  // namespace
}  // namespace mig::test
