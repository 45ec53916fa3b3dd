#include "agent/command_handler.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "agent/operation_runner.h"
#include "modules/module.h"
#include "protocol/action/action.h"

namespace mig::agent {

protocol::Result HandleCommand(const protocol::Command& command, const HandlerContext& context) {
  protocol::Result result;
  result.command = command.id;
  absl::StatusOr<action::Action> action = action::ParseAction(command.action_json);
  if (!action.ok()) {
    result.status = protocol::ResultStatus::kRefused;
    result.reason = absl::StrCat("malformed action: ", action.status().message());
    return result;
  }
  result.action = action->id;
  absl::Time now = context.now();
  authorization::Verdict verdict = authorization::Authorize(
      *action, now, *context.acl, *context.keys, context.policy,
      [](std::string_view module) { return modules::FindModule(module) != nullptr; }, context.replay_cache);
  if (!verdict.authorized()) {
    result.status = verdict.refusal == authorization::Refusal::kExpired ? protocol::ResultStatus::kExpired
                                                                        : protocol::ResultStatus::kRefused;
    result.reason = absl::StrCat(authorization::RefusalName(verdict.refusal), ": ", verdict.reason);
    return result;
  }
  // Operations run one after the other, each within what is left of the action's time.
  absl::Time action_deadline = std::min(action->expire_after + context.policy.clock_skew, now + context.module_timeout);
  for (size_t i = 0; i < action->operations.size(); ++i) {
    const action::Operation& operation = action->operations[i];
    OperationOutcome outcome = RunOperation({.binary = context.binary,
                                             .module = operation.module,
                                             .parameters_json = operation.parameters,
                                             .deadline = action_deadline,
                                             .memory_limit_bytes = context.module_memory_bytes,
                                             .cpu_percent = context.module_cpu_percent});
    if (outcome.ok()) {
      result.operation_results.push_back(std::move(outcome.result_json));
      continue;
    }
    result.status = outcome.kind == OperationOutcome::Kind::kTimedOut ? protocol::ResultStatus::kTimeout
                                                                      : protocol::ResultStatus::kFailed;
    result.reason = absl::StrCat("operation ", i, " (", operation.module, "): ", outcome.failure);
    // The operations after a failure are not run: the result says which one stopped the action.
    return result;
  }
  result.status = protocol::ResultStatus::kSuccess;
  return result;
}

}  // namespace mig::agent
