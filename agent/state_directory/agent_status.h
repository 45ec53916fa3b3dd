// The agent's local status check: a small file in the state directory that the running agent rewrites when
// it starts, connects, heartbeats, loses the relay and stops. The loader reads it to know which process is
// the agent and whether a freshly started agent is healthy, without any network.
//
//   MIG_RETURN_IF_ERROR(WriteAgentStatus(state, {.pid = getpid(), .state = AgentState::kConnected, ...}));
//   MIG_ASSIGN_OR_RETURN(std::optional<AgentStatus> status, ReadAgentStatus(state));
//
// The file, agent-status.json: {"pid", "version", "state": "starting"|"connecting"|"connected"|"stopped",
// "started", "updated", "heartbeat" (the last one published, absent before the first)}, times RFC 3339.
#ifndef MIG_AGENT_STATE_DIRECTORY_AGENT_STATUS_H_
#define MIG_AGENT_STATE_DIRECTORY_AGENT_STATUS_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/state_directory/state_directory.h"

namespace mig::state_directory {

enum class AgentState { kStarting, kConnecting, kConnected, kStopped };
std::string_view AgentStateName(AgentState state);

struct AgentStatus {
  int pid = 0;
  std::string version;
  AgentState state = AgentState::kStarting;
  absl::Time started = absl::UnixEpoch();
  absl::Time updated = absl::UnixEpoch();
  std::optional<absl::Time> heartbeat;
};

absl::Status WriteAgentStatus(const StateDirectory& state, const AgentStatus& status);
// nullopt when there is no status file (no agent ever ran here); an error when it cannot be read or parsed.
absl::StatusOr<std::optional<AgentStatus>> ReadAgentStatus(const StateDirectory& state);

}  // namespace mig::state_directory

#endif  // MIG_AGENT_STATE_DIRECTORY_AGENT_STATUS_H_
