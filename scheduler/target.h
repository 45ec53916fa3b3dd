// Which agents a target selects, evaluated so that no target can escape its condition or exhaust the
// scheduler. The text is parsed by the target language's own grammar (target_language.h) and rendered as SQL
// from fixed text and bound parameters (target_sql.h): no byte of it reaches SQL. The statement then runs on
// a read-only connection of its own, bounded in every way a query can cost:
//
//   - time: a wall-clock deadline and a count of SQLite virtual-machine steps, checked as it runs;
//   - memory: no value larger than `max_value_bytes` (SQLITE_LIMIT_LENGTH), no function that can build a
//     value larger than its argument, a bounded number of value copies per row, a small page cache, and no
//     grouping: beyond one row's values, memory grows only with the IN lists and the agents selected;
//   - reach: an authorizer that lets the statement read the agents table and call the renderer's functions
//     only, as a second line of defence behind the grammar.
//
//   MIG_ASSIGN_OR_RETURN(TargetSelector selector, TargetSelector::Open("/var/lib/mig/scheduler.db"));
//   MIG_RETURN_IF_ERROR(selector.Check("status='online' AND name LIKE 'web%'"));
//   MIG_ASSIGN_OR_RETURN(std::vector<TargetedAgent> agents, selector.Select(target, absl::Now()));
#ifndef MIG_SCHEDULER_TARGET_H_
#define MIG_SCHEDULER_TARGET_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "scheduler/target_language.h"

struct sqlite3;

namespace mig::scheduler {

struct TargetedAgent {
  int64_t id = 0;
  std::string name;
};

struct TargetLimits {
  TargetGrammarLimits grammar;
  // Evaluation stops with ResourceExhausted at whichever comes first. A full scan of 10,000 agents with a
  // typical target takes about a million steps and a few milliseconds.
  uint64_t max_steps = 50'000'000;
  absl::Duration deadline = absl::Seconds(1);
  // SQLITE_LIMIT_LENGTH on this connection: above the largest value the agents table can hold (a heartbeat
  // is at most 1 MiB), so every stored value can be read, and no value computed can be larger.
  int max_value_bytes = 2 << 20;
};

class TargetSelector {
 public:
  // Opens the database read-only (it must exist and hold an `agents` table).
  static absl::StatusOr<TargetSelector> Open(const std::string& database_path, TargetLimits limits = {});
  TargetSelector(TargetSelector&&) noexcept;
  TargetSelector& operator=(TargetSelector&&) noexcept;
  ~TargetSelector();

  // Whether the target is valid: InvalidArgument "at offset 9: expected a value after '=' ..." otherwise.
  absl::Status Check(std::string_view target);
  // The agents the target selects, by id; `now` is what NOW() means. InvalidArgument for a target outside
  // the language, ResourceExhausted for one that needs more than the limits allow.
  absl::StatusOr<std::vector<TargetedAgent>> Select(std::string_view target, absl::Time now);

 private:
  TargetSelector(sqlite3* db, TargetLimits limits);

  sqlite3* db_ = nullptr;
  TargetLimits limits_;
};

}  // namespace mig::scheduler

#endif  // MIG_SCHEDULER_TARGET_H_
