// MIG's target language, made safe: an action's target is an SQL condition over the agents table, as MIG
// had it (`status='online' AND tags->>'env'='prod'`, `name LIKE 'web%'`, `environment->>'os'='linux'`),
// evaluated here on a read-only connection that may read the agents table and nothing else: no other
// table, no write, no PRAGMA, no ATTACH, no second statement, no recursive query, and a bounded amount of
// work. A target can select agents; it can never change or read anything else.
//
//   MIG_ASSIGN_OR_RETURN(TargetSelector selector, TargetSelector::Open("/var/lib/mig/scheduler.db"));
//   MIG_RETURN_IF_ERROR(selector.Check("status='online' AND name LIKE 'web%'"));   // before signing
//   MIG_ASSIGN_OR_RETURN(std::vector<TargetedAgent> agents, selector.Select(target));
#ifndef MIG_SCHEDULER_TARGET_H_
#define MIG_SCHEDULER_TARGET_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

struct sqlite3;

namespace mig::scheduler {

struct TargetedAgent {
  int64_t id = 0;
  std::string name;
};

struct TargetLimits {
  // SQLite virtual machine steps for one target (a condition over tens of thousands of agents needs a few
  // million); beyond this the target is refused as too expensive.
  uint64_t max_steps = 50'000'000;
  size_t max_target_bytes = 16 << 10;
};

class TargetSelector {
 public:
  // Opens the database read-only (it must exist and hold an `agents` table).
  static absl::StatusOr<TargetSelector> Open(const std::string& database_path, TargetLimits limits = {});
  TargetSelector(TargetSelector&&) noexcept;
  TargetSelector& operator=(TargetSelector&&) noexcept;
  ~TargetSelector();

  // Whether the target is a valid condition that reads only the agents table: the error says what is wrong
  // ("target may only read the agents table, not 'actions'", "near \"FROM\": syntax error").
  absl::Status Check(std::string_view target);
  // The agents the target selects, by id.
  absl::StatusOr<std::vector<TargetedAgent>> Select(std::string_view target);

 private:
  TargetSelector(sqlite3* db, TargetLimits limits);
  struct Statement;
  absl::StatusOr<std::unique_ptr<Statement>> Prepare(std::string_view target);

  sqlite3* db_ = nullptr;
  TargetLimits limits_;
};

}  // namespace mig::scheduler

#endif  // MIG_SCHEDULER_TARGET_H_
