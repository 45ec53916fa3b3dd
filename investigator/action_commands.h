// `mig action create|sign|verify|show`: making, signing and checking actions before they go to the fleet,
// including the dual-signing workflow (one investigator creates and signs, another adds a signature).
#ifndef MIG_INVESTIGATOR_ACTION_COMMANDS_H_
#define MIG_INVESTIGATOR_ACTION_COMMANDS_H_

#include <string>
#include <string_view>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "embedded_conf/config.h"
#include "protocol/action/action.h"

namespace mig::investigator {

// MIG's client targets online agents unless told otherwise.
inline constexpr char kDefaultTarget[] = "status='online'";
inline constexpr char kDefaultExpiration[] = "300s";

struct NewActionRequest {
  std::vector<action::Operation> operations;  // parameters as JSON text; canonicalized here
  std::string name;                           // empty: named after the modules
  std::string target = kDefaultTarget;
  std::string expiration = kDefaultExpiration;  // how long it stays valid, e.g. "300s", "2h"
  std::string author;
  std::string email;
};

// A new unsigned action, checked the way an agent will check it: every module exists and accepts its
// parameters, and the validity window is within the configuration's maxactionvalidity.
absl::StatusOr<action::Action> NewUnsignedAction(const NewActionRequest& request, const conf::Config& config,
                                                 absl::Time now);

// `config_path` is main's --config, read when the command runs.
void AddActionCommands(CLI::App& app, int* exit_code, const std::string* config_path);

}  // namespace mig::investigator

#endif  // MIG_INVESTIGATOR_ACTION_COMMANDS_H_
