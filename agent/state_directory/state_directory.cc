#include "agent/state_directory/state_directory.h"

#include "absl/strings/str_cat.h"

namespace mig::state_directory {

std::string StateDirectory::In(std::string_view name) const { return absl::StrCat(root_, "/", name); }

std::vector<std::string> StateDirectory::LoaderFiles() const {
  return {installed_release_file(), release_journal_file(), failed_release_file(), loader_lock_file()};
}

std::vector<std::string> StateDirectory::AgentFiles() const {
  return {agent_id_file(), agent_status_file(), agent_log_file(), agent_log_file() + ".1", replay_cache_file()};
}

}  // namespace mig::state_directory
