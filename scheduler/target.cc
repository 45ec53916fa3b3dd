#include "scheduler/target.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "sqlite3.h"

namespace mig::scheduler {
namespace {

constexpr std::string_view kAgentsTable = "agents";

// Functions a condition may call: comparisons, JSON fields of tags and environment, text and time.
constexpr std::string_view kAllowedFunctions[] = {
    "->",     "->>",      "json_extract", "json_type", "json_array_length", "json_valid", "like",    "glob",
    "lower",  "upper",    "length",       "substr",    "substring",         "instr",      "trim",    "ltrim",
    "rtrim",  "replace",  "coalesce",     "ifnull",    "nullif",            "iif",        "abs",     "min",
    "max",    "count",    "datetime",     "date",      "time",              "julianday",  "strftime", "unixepoch",
    "typeof", "round"};

// What the authorizer refused first, for the error message.
struct AuthorizerState {
  std::string refusal;
};

std::string_view Text(const char* text) { return text != nullptr ? std::string_view(text) : std::string_view(); }

int Refuse(AuthorizerState* state, std::string message) {
  if (state->refusal.empty()) state->refusal = std::move(message);
  return SQLITE_DENY;
}

int Authorize(void* user, int action, const char* first, const char* second, const char* database, const char*) {
  auto* state = static_cast<AuthorizerState*>(user);
  switch (action) {
    case SQLITE_SELECT:
      return SQLITE_OK;
    case SQLITE_READ:
      // (The schema name is empty when SQLite checks a table that no column is read from, as in count(*).)
      if (absl::EqualsIgnoreCase(Text(first), kAgentsTable) && (Text(database) == "main" || Text(database).empty())) {
        return SQLITE_OK;
      }
      return Refuse(state, absl::StrCat("a target may only read the agents table, not '", Text(first), "'"));
    case SQLITE_FUNCTION: {
      std::string name = absl::AsciiStrToLower(Text(second));
      for (std::string_view allowed : kAllowedFunctions) {
        if (name == allowed) return SQLITE_OK;
      }
      return Refuse(state, absl::StrCat("a target may not call ", Text(second), "()"));
    }
    case SQLITE_RECURSIVE:
      return Refuse(state, "a target may not use a recursive query");
    default:
      // Writes, schema changes, PRAGMA, ATTACH, transactions...: a target only selects.
      return Refuse(state, absl::StrCat("a target may only select agents (SQLite action ", action, " refused)"));
  }
}

struct ProgressState {
  uint64_t steps = 0;
  uint64_t max_steps = 0;
};

constexpr int kProgressInterval = 1000;

int CountProgress(void* user) {
  auto* state = static_cast<ProgressState*>(user);
  state->steps += kProgressInterval;
  return state->steps > state->max_steps ? 1 : 0;
}

bool OnlyBlanks(const char* text) {
  for (; text != nullptr && *text != '\0'; ++text) {
    if (!std::isspace(static_cast<unsigned char>(*text))) return false;
  }
  return true;
}

}  // namespace

struct TargetSelector::Statement {
  ~Statement() { sqlite3_finalize(statement); }
  sqlite3_stmt* statement = nullptr;
};

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
  // Belt and braces: the connection is read-only, queries only, and cannot grow deep or attach databases.
  sqlite3_exec(db, "PRAGMA query_only=ON", nullptr, nullptr, nullptr);
  sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
  sqlite3_limit(db, SQLITE_LIMIT_EXPR_DEPTH, 100);
  sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, static_cast<int>(limits.max_target_bytes + 1024));
  sqlite3_limit(db, SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 1000);
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

absl::StatusOr<std::unique_ptr<TargetSelector::Statement>> TargetSelector::Prepare(std::string_view target) {
  if (absl::StripAsciiWhitespace(target).empty()) {
    return absl::InvalidArgumentError("the target is empty (e.g. status='online' selects every online agent)");
  }
  if (target.size() > limits_.max_target_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("the target is longer than ", limits_.max_target_bytes, " bytes"));
  }
  if (target.find('\0') != std::string_view::npos) return absl::InvalidArgumentError("the target holds a NUL byte");
  std::string sql = absl::StrCat("SELECT id, name FROM agents WHERE (", target, "\n) ORDER BY id");
  AuthorizerState authorizer;
  sqlite3_set_authorizer(db_, Authorize, &authorizer);
  auto statement = std::make_unique<Statement>();
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &statement->statement, &tail);
  sqlite3_set_authorizer(db_, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = !authorizer.refusal.empty() ? authorizer.refusal : sqlite3_errmsg(db_);
    return absl::InvalidArgumentError(absl::StrCat("target '", target, "': ", why));
  }
  if (!OnlyBlanks(tail)) {
    return absl::InvalidArgumentError(absl::StrCat("target '", target, "': one condition only, not several statements"));
  }
  if (!sqlite3_stmt_readonly(statement->statement)) {
    return absl::InvalidArgumentError(absl::StrCat("target '", target, "': a target may not change anything"));
  }
  return statement;
}

absl::Status TargetSelector::Check(std::string_view target) { return Prepare(target).status(); }

absl::StatusOr<std::vector<TargetedAgent>> TargetSelector::Select(std::string_view target) {
  absl::StatusOr<std::unique_ptr<Statement>> statement = Prepare(target);
  if (!statement.ok()) return statement.status();
  ProgressState progress{.max_steps = limits_.max_steps};
  sqlite3_progress_handler(db_, kProgressInterval, CountProgress, &progress);
  std::vector<TargetedAgent> agents;
  int rc;
  while ((rc = sqlite3_step((*statement)->statement)) == SQLITE_ROW) {
    const unsigned char* name = sqlite3_column_text((*statement)->statement, 1);
    agents.push_back({.id = sqlite3_column_int64((*statement)->statement, 0),
                      .name = name != nullptr ? reinterpret_cast<const char*>(name) : ""});
  }
  sqlite3_progress_handler(db_, 0, nullptr, nullptr);
  if (rc == SQLITE_INTERRUPT) {
    return absl::ResourceExhaustedError(
        absl::StrCat("target '", target, "' needs more work than allowed (", limits_.max_steps, " steps)"));
  }
  if (rc != SQLITE_DONE) {
    return absl::InvalidArgumentError(absl::StrCat("target '", target, "': ", sqlite3_errmsg(db_)));
  }
  return agents;
}

}  // namespace mig::scheduler
