// What the agent does with one command from its queue: authorize the action it carries (signatures, ACL,
// validity, replay cache: the same decision as `mig action verify`), run each operation in a child process
// with the sooner of MODULETIMEOUT and the action's expiry as its limit, and say how it went.
//
//   protocol::Result result = HandleCommand(command, context);   // never throws; refusals are results too
#ifndef MIG_AGENT_COMMAND_HANDLER_H_
#define MIG_AGENT_COMMAND_HANDLER_H_

#include <functional>
#include <string>

#include "absl/time/time.h"
#include "protocol/authorization/authorize.h"
#include "protocol/authorization/policy.h"
#include "protocol/authorization/replay_cache.h"
#include "protocol/messages.h"

namespace mig::agent {

struct HandlerContext {
  const authorization::Acl* acl = nullptr;
  const authorization::Keyring* keys = nullptr;
  authorization::AuthorizationPolicy policy;
  authorization::ReplayCache* replay_cache = nullptr;  // required: an agent never runs an action twice
  std::string binary = "/proc/self/exe";               // what runs `module-run`
  absl::Duration module_timeout = absl::Minutes(5);
  // Each operation's child: its address-space cap and CPU share (operation_runner.h); 0: none.
  uint64_t module_memory_bytes = 0;
  uint64_t module_cpu_percent = 0;
  std::function<absl::Time()> now = [] { return absl::Now(); };
};

protocol::Result HandleCommand(const protocol::Command& command, const HandlerContext& context);

}  // namespace mig::agent

#endif  // MIG_AGENT_COMMAND_HANDLER_H_
