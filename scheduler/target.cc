#include "scheduler/target.h"

#include <chrono>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "scheduler/target_sql.h"
#include "sqlite3.h"

namespace mig::scheduler {
namespace {

constexpr std::string_view kAgentsTable = "agents";
// How often (in virtual-machine steps) the progress handler looks at the step count and the clock. SQLite
// calls it only at jumps, at least once a row; often enough that a deadline is missed by one row at most
// (whose cost the grammar's limits bound), rarely enough to cost nothing measurable.
constexpr int kProgressInterval = 64;

struct StatementDeleter {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

// What the authorizer refused first, for the error message.
struct AuthorizerState {
  std::string refusal;
};

std::string_view Text(const char* text) { return text != nullptr ? std::string_view(text) : std::string_view(); }

int Refuse(AuthorizerState* state, std::string message) {
  if (state->refusal.empty()) state->refusal = std::move(message);
  return SQLITE_DENY;
}

// Behind the grammar, a second line: the statement may read the agents table and call the renderer's
// functions, nothing else.
int Authorize(void* user, int action, const char* first, const char* second, const char* database, const char*) {
  auto* state = static_cast<AuthorizerState*>(user);
  switch (action) {
    case SQLITE_SELECT:
      return SQLITE_OK;
    case SQLITE_READ:
      if (absl::EqualsIgnoreCase(Text(first), kAgentsTable) && (Text(database) == "main" || Text(database).empty())) {
        return SQLITE_OK;
      }
      return Refuse(state, absl::StrCat("a target may only read the agents table, not '", Text(first), "'"));
    case SQLITE_FUNCTION: {
      std::string name = absl::AsciiStrToLower(Text(second));
      for (std::string_view allowed : kSqliteTargetFunctions) {
        if (name == allowed) return SQLITE_OK;
      }
      return Refuse(state, absl::StrCat("a target may not call ", Text(second), "()"));
    }
    default:
      return Refuse(state, absl::StrCat("a target may only select agents (SQLite action ", action, " refused)"));
  }
}

// The step count and the deadline, checked every kProgressInterval steps while the statement runs.
struct Budget {
  uint64_t steps = 0;
  uint64_t max_steps = 0;
  std::chrono::steady_clock::time_point deadline;
  bool out_of_time = false;
};

int CheckBudget(void* user) {
  auto* budget = static_cast<Budget*>(user);
  budget->steps += kProgressInterval;
  if (budget->steps > budget->max_steps) return 1;
  if (std::chrono::steady_clock::now() > budget->deadline) {
    budget->out_of_time = true;
    return 1;
  }
  return 0;
}

// Prepares the statement for `target` with its parameters bound.
absl::StatusOr<StatementPtr> Prepare(sqlite3* db, std::string_view target, const TargetGrammarLimits& limits,
                                     absl::Time now) {
  MIG_ASSIGN_OR_RETURN(ParsedTarget parsed, ParseTarget(target, limits));
  SqlCondition where = RenderSqlite(parsed.root, now);
  std::string sql = absl::StrCat("SELECT id, name FROM agents WHERE ", where.sql, " ORDER BY id");
  AuthorizerState authorizer;
  sqlite3_set_authorizer(db, Authorize, &authorizer);
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr);
  sqlite3_set_authorizer(db, nullptr, nullptr);
  StatementPtr statement(raw);
  if (rc != SQLITE_OK) {
    // Every parsed target renders to SQL that prepares (target_fuzzer checks it): this is a bug, not the input.
    return absl::InternalError(absl::StrCat("the target's SQL was refused: ",
                                            !authorizer.refusal.empty() ? authorizer.refusal : sqlite3_errmsg(db)));
  }
  for (size_t i = 0; i < where.parameters.size(); ++i) {
    int index = static_cast<int>(i + 1);
    std::visit(
        [&](const auto& value) {
          using T = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<T, int64_t>) {
            sqlite3_bind_int64(raw, index, value);
          } else if constexpr (std::is_same_v<T, double>) {
            sqlite3_bind_double(raw, index, value);
          } else {
            sqlite3_bind_text(raw, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
          }
        },
        where.parameters[i]);
  }
  return statement;
}

}  // namespace

TargetSelector::TargetSelector(sqlite3* db, TargetLimits limits) : db_(db), limits_(limits) {}

TargetSelector::TargetSelector(TargetSelector&& other) noexcept : db_(other.db_), limits_(other.limits_) {
  other.db_ = nullptr;
}

TargetSelector& TargetSelector::operator=(TargetSelector&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = other.db_;
    limits_ = other.limits_;
    other.db_ = nullptr;
  }
  return *this;
}

TargetSelector::~TargetSelector() { sqlite3_close_v2(db_); }

absl::StatusOr<TargetSelector> TargetSelector::Open(const std::string& database_path, TargetLimits limits) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(database_path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return absl::UnavailableError(absl::StrCat("cannot open ", database_path, " read-only: ", message));
  }
  TargetSelector selector(db, limits);
  // Queries only; LIKE case-sensitive as in MIG's PostgreSQL (ILIKE is rendered with lower()); a page cache
  // of 2 MiB at most.
  for (const char* pragma : {"PRAGMA query_only=ON", "PRAGMA case_sensitive_like=ON", "PRAGMA cache_size=-2048"}) {
    if (sqlite3_exec(db, pragma, nullptr, nullptr, nullptr) != SQLITE_OK) {
      return absl::InternalError(absl::StrCat(database_path, ": ", pragma, ": ", sqlite3_errmsg(db)));
    }
  }
  const TargetGrammarLimits& grammar = limits.grammar;
  sqlite3_limit(db, SQLITE_LIMIT_LENGTH, limits.max_value_bytes);
  sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
  sqlite3_limit(db, SQLITE_LIMIT_COMPOUND_SELECT, 1);
  sqlite3_limit(db, SQLITE_LIMIT_FUNCTION_ARG, 3);
  sqlite3_limit(db, SQLITE_LIMIT_LIKE_PATTERN_LENGTH, static_cast<int>(grammar.max_pattern_bytes));
  sqlite3_limit(db, SQLITE_LIMIT_VARIABLE_NUMBER, grammar.max_nodes);
  sqlite3_limit(db, SQLITE_LIMIT_WORKER_THREADS, 0);
  // The rendered SQL: at most a few dozen bytes and opcodes per node of the tree, and nested no deeper than
  // the grammar's depth plus the balanced AND/OR trees (target_sql.h).
  sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 64 * grammar.max_nodes + 1024);
  sqlite3_limit(db, SQLITE_LIMIT_VDBE_OP, 32 * grammar.max_nodes + 1024);
  sqlite3_limit(db, SQLITE_LIMIT_EXPR_DEPTH, 4 * grammar.max_depth + 64);
  // The table must be there, or every target would fail with a confusing message.
  sqlite3_stmt* probe = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT id, name FROM agents LIMIT 0", -1, &probe, nullptr) != SQLITE_OK) {
    std::string message = sqlite3_errmsg(db);
    sqlite3_finalize(probe);
    return absl::FailedPreconditionError(absl::StrCat(database_path, " has no agents table: ", message));
  }
  sqlite3_finalize(probe);
  return selector;
}

absl::Status TargetSelector::Check(std::string_view target) {
  return Prepare(db_, target, limits_.grammar, absl::Now()).status();
}

absl::StatusOr<std::vector<TargetedAgent>> TargetSelector::Select(std::string_view target, absl::Time now) {
  MIG_ASSIGN_OR_RETURN(StatementPtr statement, Prepare(db_, target, limits_.grammar, now));
  Budget budget{.max_steps = limits_.max_steps,
                .deadline = std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(limits_.deadline)};
  sqlite3_progress_handler(db_, kProgressInterval, CheckBudget, &budget);
  std::vector<TargetedAgent> agents;
  int rc;
  while ((rc = sqlite3_step(statement.get())) == SQLITE_ROW) {
    const unsigned char* name = sqlite3_column_text(statement.get(), 1);
    agents.push_back({.id = sqlite3_column_int64(statement.get(), 0),
                      .name = name != nullptr ? reinterpret_cast<const char*>(name) : ""});
  }
  sqlite3_progress_handler(db_, 0, nullptr, nullptr);
  if (rc == SQLITE_DONE) return agents;
  if (rc == SQLITE_INTERRUPT) {
    return absl::ResourceExhaustedError(
        budget.out_of_time
            ? absl::StrCat("the target needs more than ", absl::FormatDuration(limits_.deadline), " to evaluate")
            : absl::StrCat("the target needs more than ", limits_.max_steps, " steps to evaluate"));
  }
  if (rc == SQLITE_TOOBIG || rc == SQLITE_NOMEM) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the target needs more memory than allowed: ", sqlite3_errmsg(db_)));
  }
  return absl::InternalError(absl::StrCat("evaluating the target: ", sqlite3_errmsg(db_)));
}

}  // namespace mig::scheduler
