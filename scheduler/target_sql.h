// A parsed target (target_language.h) as an SQLite condition over the agents table. The SQL is built from
// fixed text only — column names from AgentColumnName(), operators, '?' — and every literal, JSON path, LIKE
// pattern and time is a bound parameter, so the shape of the query is the shape of the tree whatever the
// target held. A PostgreSQL renderer, when there is one, takes the same tree.
//
//   MIG_ASSIGN_OR_RETURN(ParsedTarget target, ParseTarget(text));
//   SqlCondition where = RenderSqlite(target.root, absl::Now());
//   // "(status = ? AND json_extract(tags, ?) = ?)"  with  {"online", "$.\"env\"", "prod"}
//   std::string sql = absl::StrCat("SELECT id, name FROM agents WHERE ", where.sql);
//   // bind where.parameters[i] to parameter i + 1
#ifndef MIG_SCHEDULER_TARGET_SQL_H_
#define MIG_SCHEDULER_TARGET_SQL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "scheduler/target_language.h"

namespace mig::scheduler {

using SqlParameter = std::variant<int64_t, double, std::string>;

struct SqlCondition {
  std::string sql;                       // fixed text and '?' placeholders only
  std::vector<SqlParameter> parameters;  // the placeholders' values, in order
};

// The SQL functions RenderSqlite may call: what a target's statement is allowed to call, and nothing else
// (the target connection's authorizer refuses any other, as a second line of defence).
inline constexpr std::string_view kSqliteTargetFunctions[] = {"json_extract", "like", "lower", "upper"};

// The condition, for a connection where LIKE is case-sensitive (PRAGMA case_sensitive_like=ON), as in MIG's
// PostgreSQL: ILIKE becomes lower(value) LIKE the lowered pattern. `now` is what NOW() means. AND and OR
// chains are nested as balanced trees, so that SQLite's expression depth grows with the logarithm of their
// length, not the length.
SqlCondition RenderSqlite(const TargetCondition& condition, absl::Time now);

// How the agents table stores times: SQLite's datetime() text, UTC ("2026-11-29 04:37:37"), which sorts
// as it compares.
std::string SqliteTime(absl::Time time);

}  // namespace mig::scheduler

#endif  // MIG_SCHEDULER_TARGET_SQL_H_
