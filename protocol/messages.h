// The messages agents and the scheduler exchange through the broker, and who sent them.
//
//   exchange mig.agents, routing key <agent>:      Command   {"id", "action": <the signed action, verbatim>}
//   exchange mig.results, key <agent>.results:     Result    {"command", "action", "status", "reason", "results"}
//   exchange mig.results, key <agent>.heartbeat:   Heartbeat {"name", "queue", "mode", "version", "pid",
//                                                             "starttime", "heartbeatfreq", "environment", "tags"}
//
// The sender of a result or heartbeat is the routing key's first part: the broker lets an agent publish only
// under its own name (a topic permission), so the body's claims about identity are checked against it and
// never trusted alone.
#ifndef MIG_PROTOCOL_MESSAGES_H_
#define MIG_PROTOCOL_MESSAGES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "protocol/action/action.h"

namespace mig::protocol {

inline constexpr std::string_view kAgentsExchange = "mig.agents";
inline constexpr std::string_view kResultsExchange = "mig.results";
// The largest message of each kind a reader takes; a larger one is dropped unread (amqp::ConnectionOptions::
// max_body_bytes), so that no sender can make a reader hold more. A command carries one signed action and
// an envelope of a few bytes.
inline constexpr size_t kMaxCommandBytes = action::kMaxActionBytes + 1024;
inline constexpr size_t kMaxResultBytes = 64 << 20;
inline constexpr size_t kMaxHeartbeatBytes = 1 << 20;
inline constexpr int64_t kMaxHeartbeatSeconds = 7 * 24 * 3600;

std::string AgentQueue(std::string_view agent);           // "mig.agent.<agent>"
std::string ResultRoutingKey(std::string_view agent);     // "<agent>.results"
std::string HeartbeatRoutingKey(std::string_view agent);  // "<agent>.heartbeat"

// A valid agent name: lowercase letters, digits, '.', '-', starting and ending with a letter or digit, no
// empty label (".."), at most 128 bytes (it is part of queue names, routing keys and broker permission regexes).
absl::Status CheckAgentName(std::string_view name);

// Command ids are the scheduler's, positive (a result names the command it answers by the same id).
struct Command {
  int64_t id = 0;
  std::string action_json;  // verified by the agent itself; the scheduler's word is not enough
};
std::string CommandToJson(const Command& command);
absl::StatusOr<Command> ParseCommand(std::string_view json);

enum class ResultStatus { kSuccess, kFailed, kRefused, kTimeout, kExpired };
std::string_view ResultStatusName(ResultStatus status);

// A result holds one module result per operation of its action, so at most action::kMaxOperations.
struct Result {
  int64_t command = 0;
  uint64_t action = 0;
  ResultStatus status = ResultStatus::kSuccess;
  std::string reason;                          // why refused, failed or timed out
  std::vector<std::string> operation_results;  // each operation's module result JSON, in order
};
std::string ResultToJson(const Result& result);
absl::StatusOr<Result> ParseResult(std::string_view json);

// Only what an agent can send: `queue` is AgentQueue(name), `pid` a process id Linux can give (1 to 2^22),
// `version` printable ASCII.
struct Heartbeat {
  std::string name;
  std::string queue;
  std::string mode;  // "daemon" or "checkin"
  std::string version;
  int64_t pid = 0;
  absl::Time start_time;
  // How often a daemon heartbeats, in whole seconds (1 to kMaxHeartbeatSeconds), so that the scheduler can
  // tell a silent agent from a slow one; 0 (the field absent) for a checkin agent or an older mig.
  int64_t frequency_seconds = 0;
  std::string environment_json = "{}";
  std::string tags_json = "{}";
};
std::string HeartbeatToJson(const Heartbeat& heartbeat);
absl::StatusOr<Heartbeat> ParseHeartbeat(std::string_view json);

// The agent that published a message with this routing key on mig.results, and what kind of message it is;
// InvalidArgument for any other shape.
struct Sender {
  std::string agent;
  enum class Kind { kResult, kHeartbeat } kind = Kind::kResult;
};
absl::StatusOr<Sender> SenderOf(std::string_view routing_key);

}  // namespace mig::protocol

#endif  // MIG_PROTOCOL_MESSAGES_H_
