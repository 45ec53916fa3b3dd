// The state directory's layout is what installed agents already have on disk: these names are a format,
// and an uninstall must find every file the agent and the loader write there.
#include "agent/state_directory/state_directory.h"

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "agent/state_directory/agent_status.h"
#include "agent/state_directory/release_records.h"
#include "catch2/catch.hpp"
#include "test/shell.h"

namespace mig::state_directory {
namespace {

using test::Shell;

TEST_CASE("The layout keeps the names agents have on disk") {
  const StateDirectory state("/var/lib/mig");
  struct Case {
    std::string path;
    std::string_view want;
  };
  const Case kCases[] = {
      {state.agent_id_file(), "/var/lib/mig/agent-id"},
      {state.agent_status_file(), "/var/lib/mig/agent-status.json"},
      {state.agent_log_file(), "/var/lib/mig/agent.log"},
      {state.outbox_dir(), "/var/lib/mig/outbox"},
      {state.replay_cache_file(), "/var/lib/mig/replay-cache"},
      {state.loader_dir(), "/var/lib/mig/loader"},
      {state.installed_release_file(), "/var/lib/mig/loader/installed.json"},
      {state.release_journal_file(), "/var/lib/mig/loader/journal.json"},
      {state.failed_release_file(), "/var/lib/mig/loader/failed.json"},
      {state.loader_lock_file(), "/var/lib/mig/loader/lock"},
  };
  for (const Case& c : kCases) CHECK(c.path == c.want);
}

TEST_CASE("Every file the agent and the loader write is listed for an uninstall") {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const StateDirectory state(absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/statedir"));
  Shell(absl::StrCat("rm -rf ", state.root(), " && mkdir -p ", state.loader_dir()));
  REQUIRE(WriteAgentStatus(state, {.pid = 42, .version = "1.0", .state = AgentState::kConnected}).ok());
  REQUIRE(WriteFailedRelease(state, {.version = "0.3.0", .sha256 = "ab", .reason = "it exited"}).ok());
  Shell(absl::StrCat("cd ", state.root(), " && touch agent-id agent.log agent.log.1 replay-cache loader/installed.json",
                     " loader/journal.json loader/lock"));
  for (const std::string& file : state.LoaderFiles()) Shell(absl::StrCat("rm ", file));
  for (const std::string& file : state.AgentFiles()) Shell(absl::StrCat("rm ", file));
  CHECK(Shell(absl::StrCat("find ", state.root(), " -type f")).empty());
}

TEST_CASE("The agent's status and the loader's records read back what was written") {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const StateDirectory state(absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/records"));
  Shell(absl::StrCat("rm -rf ", state.root(), " && mkdir -p ", state.loader_dir()));
  absl::StatusOr<std::optional<AgentStatus>> none = ReadAgentStatus(state);
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  CHECK_FALSE(ReadFailedRelease(state).has_value());

  const absl::Time started = absl::FromUnixSeconds(1800000000);
  REQUIRE(WriteAgentStatus(state, {.pid = 42,
                                   .version = "1.0",
                                   .state = AgentState::kConnecting,
                                   .started = started,
                                   .updated = started + absl::Seconds(1)})
              .ok());
  absl::StatusOr<std::optional<AgentStatus>> status = ReadAgentStatus(state);
  REQUIRE(status.ok());
  REQUIRE(status->has_value());
  CHECK((*status)->pid == 42);
  CHECK((*status)->state == AgentState::kConnecting);
  CHECK((*status)->started == started);
  CHECK_FALSE((*status)->heartbeat.has_value());

  REQUIRE(WriteFailedRelease(state, {.version = "0.3.0", .sha256 = "ab", .reason = "it exited"}).ok());
  std::optional<FailedRelease> failed = ReadFailedRelease(state);
  REQUIRE(failed.has_value());
  CHECK(failed->version == "0.3.0");
  CHECK(failed->reason == "it exited");
}

}  // namespace
}  // namespace mig::state_directory
