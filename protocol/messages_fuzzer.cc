// Fuzzes the bodies the agent and the scheduler take from the broker: commands (agent), results and
// heartbeats (scheduler), and the routing keys that say who sent them. The first byte chooses the message;
// any bytes are parsed or refused without crashing, and what parses is written back and read again as the
// same message, so that what the scheduler stores is what the agent said.
#include <cstdint>
#include <string_view>

#include "protocol/messages.h"

namespace mig::protocol {
namespace {

void FuzzCommand(std::string_view body) {
  absl::StatusOr<Command> command = ParseCommand(body);
  if (!command.ok()) return;
  absl::StatusOr<Command> again = ParseCommand(CommandToJson(*command));
  if (!again.ok() || again->id != command->id || again->action_json != command->action_json) __builtin_trap();
}

void FuzzResult(std::string_view body) {
  absl::StatusOr<Result> result = ParseResult(body);
  if (!result.ok()) return;
  absl::StatusOr<Result> again = ParseResult(ResultToJson(*result));
  if (!again.ok() || again->command != result->command || again->action != result->action ||
      again->status != result->status || again->reason != result->reason ||
      again->operation_results != result->operation_results) {
    __builtin_trap();
  }
}

void FuzzHeartbeat(std::string_view body) {
  absl::StatusOr<Heartbeat> heartbeat = ParseHeartbeat(body);
  if (!heartbeat.ok()) return;
  if (!CheckAgentName(heartbeat->name).ok()) __builtin_trap();
  absl::StatusOr<Heartbeat> again = ParseHeartbeat(HeartbeatToJson(*heartbeat));
  if (!again.ok() || again->name != heartbeat->name || again->queue != heartbeat->queue ||
      again->mode != heartbeat->mode || again->version != heartbeat->version || again->pid != heartbeat->pid ||
      again->start_time != heartbeat->start_time || again->environment_json != heartbeat->environment_json ||
      again->tags_json != heartbeat->tags_json) {
    __builtin_trap();
  }
}

void FuzzRoutingKey(std::string_view routing_key) {
  absl::StatusOr<Sender> sender = SenderOf(routing_key);
  if (!sender.ok()) return;
  // The sender is exactly the agent whose own key this is: nothing else reads as it.
  if (!CheckAgentName(sender->agent).ok()) __builtin_trap();
  std::string own =
      sender->kind == Sender::Kind::kResult ? ResultRoutingKey(sender->agent) : HeartbeatRoutingKey(sender->agent);
  if (own != routing_key) __builtin_trap();
}

void FuzzOne(uint8_t selector, std::string_view bytes) {
  switch (selector % 4) {
    case 0:
      return FuzzCommand(bytes);
    case 1:
      return FuzzResult(bytes);
    case 2:
      return FuzzHeartbeat(bytes);
    default:
      return FuzzRoutingKey(bytes);
  }
}

}  // namespace
}  // namespace mig::protocol

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  mig::protocol::FuzzOne(data[0], std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
