// The agent's state directory ([agent] statedir): every name in it, in one place. The agent and the loader
// both write there and read what the other wrote, so neither spells a file name of its own.
//
//   StateDirectory state(config.agent.state_dir);
//   MIG_ASSIGN_OR_RETURN(Outbox outbox, Outbox::Open(state.outbox_dir()));
//   MIG_ASSIGN_OR_RETURN(std::optional<AgentStatus> status, ReadAgentStatus(state));   // agent_status.h
//
// The layout:
//   agent-id            the agent's name suffix, created at its first start
//   agent-status.json   what the running agent says of itself (agent_status.h)
//   agent.log[.1]       the agent's output when the loader starts it without systemd
//   outbox/             results not yet confirmed by the broker
//   replay-cache        the ids of the actions already run
//   loader/             the loader's records (release_records.h): installed.json, journal.json, failed.json, lock
#ifndef MIG_AGENT_STATE_DIRECTORY_STATE_DIRECTORY_H_
#define MIG_AGENT_STATE_DIRECTORY_STATE_DIRECTORY_H_

#include <string>
#include <string_view>
#include <vector>

namespace mig::state_directory {

class StateDirectory {
 public:
  explicit StateDirectory(std::string root) : root_(std::move(root)) {}

  const std::string& root() const { return root_; }

  std::string agent_id_file() const { return In("agent-id"); }
  std::string agent_status_file() const { return In("agent-status.json"); }
  std::string agent_log_file() const { return In("agent.log"); }
  std::string outbox_dir() const { return In("outbox"); }
  std::string replay_cache_file() const { return In("replay-cache"); }

  std::string loader_dir() const { return In("loader"); }
  std::string installed_release_file() const { return In("loader/installed.json"); }
  std::string release_journal_file() const { return In("loader/journal.json"); }
  std::string failed_release_file() const { return In("loader/failed.json"); }
  std::string loader_lock_file() const { return In("loader/lock"); }

  // What an uninstall removes, deepest first: the files the loader and the agent put here. The outbox's
  // messages are not listed (they have generated names); the directories themselves are removed last.
  std::vector<std::string> LoaderFiles() const;
  std::vector<std::string> AgentFiles() const;

 private:
  std::string In(std::string_view name) const;

  std::string root_;
};

}  // namespace mig::state_directory

#endif  // MIG_AGENT_STATE_DIRECTORY_STATE_DIRECTORY_H_
