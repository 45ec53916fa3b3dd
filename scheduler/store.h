// The scheduler's records in one SQLite file (WAL mode): agents as their heartbeats describe them, actions,
// the command each targeted agent gets, and each command's result. Everything the scheduler acknowledges to
// the broker is committed here first, and a result delivered twice is recorded once.
//
//   MIG_ASSIGN_OR_RETURN(Store store, Store::Open("/var/lib/mig/scheduler.db"));
//   store.RecordHeartbeat({.name = "web1", ...}, absl::Now());
//   MIG_ASSIGN_OR_RETURN(CreatedAction action, store.CreateAction({.signed_id = 42, .json = ...}, agents, now));
//   MIG_ASSIGN_OR_RETURN(bool recorded, store.RecordResult(command_id, CommandStatus::kSuccess, json, now));
//
// One Store per thread (a SQLite connection is not shared); several may open the same file.
#ifndef MIG_SCHEDULER_STORE_H_
#define MIG_SCHEDULER_STORE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "scheduler/target.h"

struct sqlite3;

namespace mig::scheduler {

struct AgentHeartbeat {
  std::string name;   // the AMQP user, i.e. the certificate's CN: who the broker says sent it
  std::string queue;  // where its commands go
  std::string mode;   // daemon | checkin
  std::string version;
  int64_t pid = 0;
  int64_t frequency_seconds = 0;        // how often it heartbeats, as it says; 0: it did not say
  std::string environment_json = "{}";  // os, distribution, arch, init, addresses, public IP, modules
  std::string tags_json = "{}";
};

// An agent is online while it heartbeats. One that announced how often it heartbeats is idle once it missed
// `missed_for_idle` heartbeats, and offline after `missed_for_offline` (plus `grace` for the message's way
// through the broker); one that did not (a checkin agent, an older mig) is idle after `idle_after` without a
// heartbeat, offline after `offline_after`.
struct StatusPolicy {
  int64_t missed_for_idle = 3;
  int64_t missed_for_offline = 12;
  absl::Duration grace = absl::Seconds(2);
  absl::Duration idle_after = absl::Minutes(5);
  absl::Duration offline_after = absl::Hours(1);
};

struct NewAction {
  uint64_t signed_id = 0;  // the signed action's own "id": one action per id (agents' replay caches are by id)
  std::string name;
  std::string target;
  std::string json;  // the signed action as the investigator sent it
  absl::Time valid_from;
  absl::Time expire_after;
  std::string investigator;  // who launched it
};

enum class CommandStatus { kSent, kSuccess, kFailed, kRefused, kTimeout, kExpired };
std::string_view CommandStatusName(CommandStatus status);

struct Command {
  int64_t id = 0;
  int64_t action_id = 0;
  int64_t agent_id = 0;
  std::string agent_name;
};

// A stored action (its id here) and its commands, one per targeted agent.
struct CreatedAction {
  int64_t id = 0;
  std::vector<Command> commands;
};

// What became of an action's commands. Every targeted agent is in exactly one of: pending, unanswered, or
// answered (success, failed, refused, timeout, expired), so targeted = pending + unanswered + answered().
struct ActionCounters {
  int64_t targeted = 0;
  int64_t pending = 0;             // no answer yet, and the action has not expired
  int64_t pending_not_online = 0;  // of those, agents idle or offline now (they missed heartbeats)
  int64_t unanswered = 0;          // no answer came before the action expired
  // Answers: the module ran (success), failed, was refused by the agent's ACL, ran out of time, or the agent
  // received the action after it expired.
  int64_t success = 0, failed = 0, refused = 0, timeout = 0, expired = 0;
  int64_t found = 0;  // answers whose module found something
  int64_t answered() const { return success + failed + refused + timeout + expired; }
};

// One targeted agent's line of an action's results. `status` is the answer's (success, failed, refused,
// timeout, expired), or "pending" (no answer yet) or "unanswered" (none came before the action expired).
struct StoredResult {
  int64_t command_id = 0;
  std::string agent_name;
  std::string status;
  bool found = false;
  std::string json;  // empty when not answered
  bool answered = false;
  std::string agent_status;    // online, idle, offline: now
  std::string heartbeat_time;  // the agent's last heartbeat, 'YYYY-MM-DD HH:MM:SS' UTC
};

// kUnanswered: the agents with no answer (pending or unanswered).
enum class ResultFilter { kAll, kFound, kNotFound, kUnanswered };

// A result as it came from the broker: `sender` is the agent the routing key names (what the broker
// vouches for); empty to skip the check.
struct IncomingResult {
  int64_t command_id = 0;
  std::string sender;
  CommandStatus status = CommandStatus::kSuccess;
  std::string json;
  bool found = false;
};
enum class RecordOutcome {
  kRecorded,
  kAlreadyRecorded,  // a redelivery: nothing changed
  kUnknownCommand,
  kNotSendersCommand,  // an agent answering for another: refused
};

// A command the dispatcher still has to hand to the broker.
struct OutgoingCommand {
  int64_t id = 0;
  std::string agent_name;
  std::string action_json;
};

// An action as stored. Its id is the signed action's own id (older databases: a number of their own).
struct StoredAction {
  int64_t id = 0;
  std::string name, target, valid_from, expire_after, created;  // times as 'YYYY-MM-DD HH:MM:SS' UTC
  std::string json;
  std::string investigator;  // who launched it; empty for actions stored by an older mig
};

// Which actions a list shows; every field left at its default selects everything.
struct ActionFilter {
  std::string name_contains;                        // case-insensitive substring of the name
  absl::Time created_since = absl::InfinitePast();  // launched at or after
  bool running_only = false;                        // not expired yet
  std::string investigator;                         // launched by
};

struct StoredAgent {
  int64_t id = 0;
  std::string name, queue, mode, version;
  int64_t pid = 0;
  std::string start_time, heartbeat_time, status;
  std::string environment_json, tags_json;
};

class Store {
 public:
  static absl::StatusOr<Store> Open(const std::string& path);
  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();

  // Creates or updates the agent (by name) and marks it online; returns its id.
  absl::StatusOr<int64_t> RecordHeartbeat(const AgentHeartbeat& heartbeat, absl::Time now);
  // online -> idle -> offline as heartbeats stop; returns how many agents changed. `listening_since`: since
  // when the scheduler has been receiving heartbeats without a break (a heartbeat due before it was not missed
  // by the agent); InfiniteFuture while it is not receiving them, which judges nobody.
  absl::StatusOr<int64_t> RefreshStatuses(absl::Time now, const StatusPolicy& policy = {},
                                          absl::Time listening_since = absl::InfinitePast());

  // The action and one command per agent, in one transaction: all of it is stored or none of it. An action
  // whose signed id is already stored is AlreadyExists, and nothing is stored (checked in the transaction, and
  // a unique index refuses it from any other connection).
  absl::StatusOr<CreatedAction> CreateAction(const NewAction& action, absl::Span<const TargetedAgent> agents,
                                             absl::Time now);
  // AlreadyExists when an action with this signed id is stored (what CreateAction would refuse).
  absl::Status CheckActionIdUnused(uint64_t signed_id);
  // Records a command's outcome. False when it already had one (a redelivered message): nothing changes.
  // An answer to a command that expired unanswered is still recorded: the agent did run it.
  absl::StatusOr<bool> RecordResult(int64_t command_id, CommandStatus status, std::string_view result_json, bool found,
                                    absl::Time now);
  // Many results in one transaction (the scheduler acknowledges them to the broker together, after it).
  absl::StatusOr<std::vector<RecordOutcome>> RecordResults(absl::Span<const IncomingResult> results, absl::Time now);
  // Many heartbeats in one transaction.
  absl::Status RecordHeartbeats(absl::Span<const AgentHeartbeat> heartbeats, absl::Time now);
  // Commands created and not yet confirmed by the broker, of actions not expired, oldest first. A command is
  // marked published once the broker confirmed it; one published twice (a crash between the two) is
  // refused by the agent's replay cache, and its second answer is not recorded.
  // `after_id`: only commands with a greater id (those up to it are already in flight).
  absl::StatusOr<std::vector<OutgoingCommand>> UnpublishedCommands(absl::Time now, int64_t limit, int64_t after_id = 0);
  absl::Status MarkPublished(absl::Span<const int64_t> command_ids);
  absl::StatusOr<StoredAction> GetAction(int64_t action_id);  // NotFound
  // Newest first.
  absl::StatusOr<std::vector<StoredAction>> ListActions(const ActionFilter& filter, absl::Time now, int64_t offset,
                                                        int64_t limit);
  // The agents with these ids, in that order (ids not found are skipped).
  absl::StatusOr<std::vector<StoredAgent>> Agents(absl::Span<const int64_t> ids);
  // Commands still waiting when their action expired become expired; returns how many.
  absl::StatusOr<int64_t> ExpireCommands(absl::Time now);

  absl::StatusOr<ActionCounters> Counters(int64_t action_id);
  // One line per targeted agent of an action, answered or not, in command order, `limit` from `offset`.
  absl::StatusOr<std::vector<StoredResult>> Results(int64_t action_id, ResultFilter filter, int64_t offset,
                                                    int64_t limit);

  const std::string& path() const { return path_; }

 private:
  Store(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  absl::Status Execute(std::string_view sql);
  absl::Status Migrate();  // brings a database made by an older mig to the current schema
  bool HasColumn(std::string_view table, std::string_view column);
  absl::StatusOr<CreatedAction> InsertAction(const NewAction& action, absl::Span<const TargetedAgent> agents,
                                             absl::Time now);  // inside CreateAction's transaction
  absl::StatusOr<std::vector<StoredAction>> QueryActions(const ActionFilter& filter, int64_t only_id, absl::Time now,
                                                         int64_t offset, int64_t limit);

  sqlite3* db_ = nullptr;
  std::string path_;
};

}  // namespace mig::scheduler

#endif  // MIG_SCHEDULER_STORE_H_
