#include "scheduler/store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "scheduler/target_sql.h"
#include "sqlite3.h"

namespace mig::scheduler {
namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS agents (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  queueloc TEXT NOT NULL,
  mode TEXT NOT NULL DEFAULT '',
  version TEXT NOT NULL DEFAULT '',
  pid INTEGER NOT NULL DEFAULT 0,
  starttime TEXT NOT NULL,
  heartbeattime TEXT NOT NULL,
  status TEXT NOT NULL,
  environment TEXT NOT NULL DEFAULT '{}',
  tags TEXT NOT NULL DEFAULT '{}',
  heartbeatfreq INTEGER NOT NULL DEFAULT 0  -- seconds, as the agent announces it; 0: unknown
);
CREATE TABLE IF NOT EXISTS actions (
  id INTEGER PRIMARY KEY,
  signedid INTEGER,  -- the signed action's own "id": unique (actions_by_signedid), as agents' replay caches need
  name TEXT NOT NULL,
  target TEXT NOT NULL,
  validfrom TEXT NOT NULL,
  expireafter TEXT NOT NULL,
  created TEXT NOT NULL,
  json TEXT NOT NULL,
  investigator TEXT NOT NULL DEFAULT ''  -- who launched it (the API request's signer)
);
CREATE TABLE IF NOT EXISTS commands (
  id INTEGER PRIMARY KEY,
  action_id INTEGER NOT NULL REFERENCES actions(id),
  agent_id INTEGER NOT NULL REFERENCES agents(id),
  status TEXT NOT NULL,
  sent TEXT NOT NULL,
  published INTEGER NOT NULL DEFAULT 0,
  finished TEXT,
  UNIQUE (action_id, agent_id)
);
CREATE INDEX IF NOT EXISTS commands_by_status ON commands (status, action_id);
CREATE INDEX IF NOT EXISTS commands_unpublished ON commands (published) WHERE published = 0;
CREATE TABLE IF NOT EXISTS results (
  command_id INTEGER PRIMARY KEY REFERENCES commands(id),
  received TEXT NOT NULL,
  found INTEGER NOT NULL,
  json TEXT NOT NULL
);
)sql";

// Databases made before actions had a signedid column get it here, filled from each action's JSON (the first
// action of an id keeps it; later duplicates, stored before ids were unique, keep none).
constexpr char kAddSignedId[] = R"sql(
ALTER TABLE actions ADD COLUMN signedid INTEGER;
UPDATE actions SET signedid = CASE WHEN json_valid(json) THEN json_extract(json, '$.id') END
WHERE id IN (SELECT min(id) FROM actions GROUP BY CASE WHEN json_valid(json) THEN json_extract(json, '$.id') END);
)sql";
constexpr char kSignedIdIndex[] = "CREATE UNIQUE INDEX IF NOT EXISTS actions_by_signedid ON actions (signedid)";

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &statement_, nullptr);
  }
  ~Statement() { sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  absl::Status status() const {
    if (rc_ == SQLITE_OK) return absl::OkStatus();
    return absl::InternalError(absl::StrCat("database: ", sqlite3_errmsg(db_)));
  }
  Statement& Bind(int index, std::string_view text) {
    sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& Bind(int index, int64_t value) {
    sqlite3_bind_int64(statement_, index, value);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE, or an error code.
  int Step() { return sqlite3_step(statement_); }
  absl::Status Run() {
    int rc = Step();
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) return absl::OkStatus();
    return absl::InternalError(absl::StrCat("database: ", sqlite3_errmsg(db_)));
  }
  absl::Status StepError() const { return absl::InternalError(absl::StrCat("database: ", sqlite3_errmsg(db_))); }
  int ExtendedErrorCode() const { return sqlite3_extended_errcode(db_); }
  void Reset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  int64_t Int(int column) const { return sqlite3_column_int64(statement_, column); }
  std::string Text(int column) const {
    const unsigned char* text = sqlite3_column_text(statement_, column);
    return text != nullptr ? std::string(reinterpret_cast<const char*>(text),
                                         static_cast<size_t>(sqlite3_column_bytes(statement_, column)))
                           : std::string();
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
  int rc_ = SQLITE_OK;
};

}  // namespace

std::string_view CommandStatusName(CommandStatus status) {
  switch (status) {
    case CommandStatus::kSent:
      return "sent";
    case CommandStatus::kSuccess:
      return "success";
    case CommandStatus::kFailed:
      return "failed";
    case CommandStatus::kRefused:
      return "refused";
    case CommandStatus::kTimeout:
      return "timeout";
    case CommandStatus::kExpired:
      return "expired";
  }
  return "unknown";
}

Store::Store(Store&& other) noexcept : db_(other.db_), path_(std::move(other.path_)) { other.db_ = nullptr; }

Store& Store::operator=(Store&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = other.db_;
    path_ = std::move(other.path_);
    other.db_ = nullptr;
  }
  return *this;
}

Store::~Store() { sqlite3_close_v2(db_); }

absl::Status Store::Execute(std::string_view sql) {
  char* error = nullptr;
  std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error) == SQLITE_OK) return absl::OkStatus();
  absl::Status status = absl::InternalError(absl::StrCat("database ", path_, ": ", error != nullptr ? error : "?"));
  sqlite3_free(error);
  return status;
}

absl::StatusOr<Store> Store::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return absl::UnavailableError(absl::StrCat("cannot open the database ", path, ": ", message));
  }
  Store store(db, path);
  // WAL: readers (the API, target selection) never block the writer; NORMAL sync is durable across a
  // process crash, which is what acknowledging a message after its commit needs.
  sqlite3_busy_timeout(db, 10'000);
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON"}) {
    if (absl::Status s = store.Execute(pragma); !s.ok()) return s;
  }
  if (absl::Status s = store.Execute(kSchema); !s.ok()) return s;
  if (absl::Status s = store.Migrate(); !s.ok()) return s;
  return store;
}

bool Store::HasColumn(std::string_view table, std::string_view column) {
  sqlite3_stmt* probe = nullptr;
  std::string sql = absl::StrCat("SELECT ", column, " FROM ", table, " LIMIT 0");
  bool has = sqlite3_prepare_v2(db_, sql.c_str(), -1, &probe, nullptr) == SQLITE_OK;
  sqlite3_finalize(probe);
  return has;
}

absl::Status Store::Migrate() {
  MIG_RETURN_IF_ERROR(Execute("BEGIN IMMEDIATE"));
  absl::Status status = HasColumn("actions", "signedid") ? absl::OkStatus() : Execute(kAddSignedId);
  if (status.ok()) status = Execute(kSignedIdIndex);
  if (status.ok() && !HasColumn("agents", "heartbeatfreq")) {
    status = Execute("ALTER TABLE agents ADD COLUMN heartbeatfreq INTEGER NOT NULL DEFAULT 0");
  }
  if (status.ok() && !HasColumn("actions", "investigator")) {
    status = Execute("ALTER TABLE actions ADD COLUMN investigator TEXT NOT NULL DEFAULT ''");
  }
  if (status.ok()) status = Execute("COMMIT");
  if (!status.ok()) Execute("ROLLBACK").IgnoreError();
  return status;
}

absl::StatusOr<int64_t> Store::RecordHeartbeat(const AgentHeartbeat& heartbeat, absl::Time now) {
  Statement upsert(db_, R"sql(
    INSERT INTO agents (name, queueloc, mode, version, pid, starttime, heartbeattime, status, environment, tags,
                        heartbeatfreq)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, 'online', ?7, ?8, ?9)
    ON CONFLICT (name) DO UPDATE SET queueloc = ?2, mode = ?3, version = ?4,
      starttime = CASE WHEN pid = ?5 THEN starttime ELSE ?6 END, pid = ?5,
      heartbeattime = ?6, status = 'online', environment = ?7, tags = ?8, heartbeatfreq = ?9
    RETURNING id)sql");
  if (absl::Status s = upsert.status(); !s.ok()) return s;
  upsert.Bind(1, heartbeat.name)
      .Bind(2, heartbeat.queue)
      .Bind(3, heartbeat.mode)
      .Bind(4, heartbeat.version)
      .Bind(5, heartbeat.pid)
      .Bind(6, SqliteTime(now))
      .Bind(7, heartbeat.environment_json)
      .Bind(8, heartbeat.tags_json)
      .Bind(9, heartbeat.frequency_seconds);
  if (upsert.Step() != SQLITE_ROW) return upsert.StepError();
  return upsert.Int(0);
}

absl::StatusOr<int64_t> Store::RefreshStatuses(absl::Time now, const StatusPolicy& policy, absl::Time listening_since) {
  // An agent that announced its frequency is judged by it: idle after policy.missed_for_idle missed heartbeats,
  // offline after policy.missed_for_offline; one that did not (checkin, older mig) by the fixed durations. A
  // heartbeat counts as missed only if the scheduler was listening when it was due: while the broker is out
  // of reach, silence says nothing about the agents.
  if (listening_since == absl::InfiniteFuture()) return 0;
  Statement update(db_, R"sql(
    WITH windows AS (
      SELECT id, heartbeattime,
        CASE WHEN heartbeatfreq > 0 THEN datetime(?1, printf('-%d seconds', heartbeatfreq * ?5 + ?6)) ELSE ?3 END
          AS offline_cut,
        CASE WHEN heartbeatfreq > 0 THEN datetime(?1, printf('-%d seconds', heartbeatfreq * ?4 + ?6)) ELSE ?2 END
          AS idle_cut
      FROM agents),
    judged AS (
      SELECT id, CASE
        WHEN heartbeattime < offline_cut AND ?7 < offline_cut THEN 'offline'
        WHEN heartbeattime < idle_cut AND ?7 < idle_cut THEN 'idle'
        ELSE 'online' END AS status
      FROM windows)
    UPDATE agents SET status = judged.status FROM judged
    WHERE agents.id = judged.id AND agents.status != judged.status AND judged.status != 'online')sql");
  if (absl::Status s = update.status(); !s.ok()) return s;
  update.Bind(1, SqliteTime(now))
      .Bind(2, SqliteTime(now - policy.idle_after))
      .Bind(3, SqliteTime(now - policy.offline_after))
      .Bind(4, policy.missed_for_idle)
      .Bind(5, policy.missed_for_offline)
      .Bind(6, absl::ToInt64Seconds(policy.grace))
      // Before any time SQLite writes ('0000-...' sorts first): listening for ever.
      .Bind(7,
            listening_since == absl::InfinitePast() ? std::string("0000-00-00 00:00:00") : SqliteTime(listening_since));
  if (absl::Status s = update.Run(); !s.ok()) return s;
  return sqlite3_changes(db_);
}

absl::Status Store::CheckActionIdUnused(uint64_t signed_id) {
  Statement query(db_, "SELECT id FROM actions WHERE signedid = ?1 OR id = ?1");
  MIG_RETURN_IF_ERROR(query.status());
  query.Bind(1, static_cast<int64_t>(signed_id));
  int rc = query.Step();
  if (rc == SQLITE_DONE) return absl::OkStatus();
  if (rc != SQLITE_ROW) return query.StepError();
  std::string message = absl::StrCat("an action with id ", signed_id, " was already submitted");
  // Actions stored by an older mig have an id of their own here.
  if (query.Int(0) != static_cast<int64_t>(signed_id)) absl::StrAppend(&message, " (action ", query.Int(0), " here)");
  return absl::AlreadyExistsError(message);
}

absl::StatusOr<CreatedAction> Store::CreateAction(const NewAction& action, absl::Span<const TargetedAgent> agents,
                                                  absl::Time now) {
  MIG_RETURN_IF_ERROR(Execute("BEGIN IMMEDIATE"));
  absl::StatusOr<CreatedAction> created = InsertAction(action, agents, now);
  absl::Status status = created.status();
  if (status.ok()) status = Execute("COMMIT");
  if (!status.ok()) {
    Execute("ROLLBACK").IgnoreError();
    return status;
  }
  return created;
}

absl::StatusOr<CreatedAction> Store::InsertAction(const NewAction& action, absl::Span<const TargetedAgent> agents,
                                                  absl::Time now) {
  MIG_RETURN_IF_ERROR(CheckActionIdUnused(action.signed_id));
  // The action's own id is its id here too: one number for the investigator, the API and the agents' logs.
  // (Signed ids are at most 2^53 - 1, always a valid row id; 0 leaves the choice to SQLite.)
  Statement insert_action(db_, R"sql(
    INSERT INTO actions (id, signedid, name, target, validfrom, expireafter, created, json, investigator)
    VALUES (nullif(?1, 0), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id)sql");
  MIG_RETURN_IF_ERROR(insert_action.status());
  insert_action.Bind(1, static_cast<int64_t>(action.signed_id))
      .Bind(2, action.name)
      .Bind(3, action.target)
      .Bind(4, SqliteTime(action.valid_from))
      .Bind(5, SqliteTime(action.expire_after))
      .Bind(6, SqliteTime(now))
      .Bind(7, action.json)
      .Bind(8, action.investigator);
  if (insert_action.Step() != SQLITE_ROW) {
    // Another connection stored the same id since CheckActionIdUnused: the unique index (or the primary key)
    // refuses the second.
    if (insert_action.ExtendedErrorCode() == SQLITE_CONSTRAINT_UNIQUE ||
        insert_action.ExtendedErrorCode() == SQLITE_CONSTRAINT_PRIMARYKEY) {
      return absl::AlreadyExistsError(absl::StrCat("an action with id ", action.signed_id, " was just submitted"));
    }
    return insert_action.StepError();
  }
  CreatedAction created{.id = insert_action.Int(0)};
  insert_action.Step();  // finish the statement (RETURNING yields one row)

  Statement insert_command(db_, R"sql(
    INSERT INTO commands (action_id, agent_id, status, sent) VALUES (?1, ?2, 'sent', ?3) RETURNING id)sql");
  MIG_RETURN_IF_ERROR(insert_command.status());
  std::string sent = SqliteTime(now);
  created.commands.reserve(agents.size());
  for (const TargetedAgent& agent : agents) {
    insert_command.Reset();
    insert_command.Bind(1, created.id).Bind(2, agent.id).Bind(3, sent);
    if (insert_command.Step() != SQLITE_ROW) return insert_command.StepError();
    created.commands.push_back(
        {.id = insert_command.Int(0), .action_id = created.id, .agent_id = agent.id, .agent_name = agent.name});
    insert_command.Step();
  }
  return created;
}

absl::StatusOr<bool> Store::RecordResult(int64_t command_id, CommandStatus status, std::string_view result_json,
                                         bool found, absl::Time now) {
  IncomingResult one{.command_id = command_id, .status = status, .json = std::string(result_json), .found = found};
  MIG_ASSIGN_OR_RETURN(std::vector<RecordOutcome> outcomes, RecordResults({&one, 1}, now));
  if (outcomes[0] == RecordOutcome::kUnknownCommand)
    return absl::NotFoundError(absl::StrCat("no command ", command_id));
  return outcomes[0] == RecordOutcome::kRecorded;
}

absl::StatusOr<std::vector<RecordOutcome>> Store::RecordResults(absl::Span<const IncomingResult> results,
                                                                absl::Time now) {
  MIG_RETURN_IF_ERROR(Execute("BEGIN IMMEDIATE"));
  auto fail = [&](absl::Status s) -> absl::StatusOr<std::vector<RecordOutcome>> {
    Execute("ROLLBACK").IgnoreError();
    return s;
  };
  // A command's answer is taken once; one that arrives after the action expired still counts (the agent did
  // run it: its clock allowed it), replacing "expired".
  Statement update(db_, R"sql(
    UPDATE commands SET status = ?2, finished = ?3
    WHERE id = ?1 AND (status = 'sent' OR (status = 'expired' AND NOT EXISTS
                                           (SELECT 1 FROM results WHERE command_id = ?1)))
      AND (?4 = '' OR agent_id = (SELECT id FROM agents WHERE name = ?4)))sql");
  Statement insert(db_, "INSERT INTO results (command_id, received, found, json) VALUES (?1, ?2, ?3, ?4)");
  Statement owner(db_, "SELECT a.name FROM commands c JOIN agents a ON a.id = c.agent_id WHERE c.id = ?1");
  for (Statement* statement : {&update, &insert, &owner}) {
    if (!statement->status().ok()) return fail(statement->status());
  }
  std::string when = SqliteTime(now);
  std::vector<RecordOutcome> outcomes;
  outcomes.reserve(results.size());
  for (const IncomingResult& result : results) {
    update.Reset();
    update.Bind(1, result.command_id).Bind(2, CommandStatusName(result.status)).Bind(3, when).Bind(4, result.sender);
    if (absl::Status s = update.Run(); !s.ok()) return fail(s);
    if (sqlite3_changes(db_) == 0) {
      owner.Reset();
      owner.Bind(1, result.command_id);
      if (owner.Step() != SQLITE_ROW) {
        outcomes.push_back(RecordOutcome::kUnknownCommand);
      } else if (!result.sender.empty() && owner.Text(0) != result.sender) {
        outcomes.push_back(RecordOutcome::kNotSendersCommand);
      } else {
        outcomes.push_back(RecordOutcome::kAlreadyRecorded);
      }
      continue;
    }
    insert.Reset();
    insert.Bind(1, result.command_id).Bind(2, when).Bind(3, result.found ? 1 : 0).Bind(4, result.json);
    if (absl::Status s = insert.Run(); !s.ok()) return fail(s);
    outcomes.push_back(RecordOutcome::kRecorded);
  }
  if (absl::Status s = Execute("COMMIT"); !s.ok()) return fail(s);
  return outcomes;
}

absl::Status Store::RecordHeartbeats(absl::Span<const AgentHeartbeat> heartbeats, absl::Time now) {
  MIG_RETURN_IF_ERROR(Execute("BEGIN IMMEDIATE"));
  for (const AgentHeartbeat& heartbeat : heartbeats) {
    if (absl::StatusOr<int64_t> id = RecordHeartbeat(heartbeat, now); !id.ok()) {
      Execute("ROLLBACK").IgnoreError();
      return id.status();
    }
  }
  absl::Status committed = Execute("COMMIT");
  if (!committed.ok()) Execute("ROLLBACK").IgnoreError();
  return committed;
}

absl::StatusOr<std::vector<OutgoingCommand>> Store::UnpublishedCommands(absl::Time now, int64_t limit,
                                                                        int64_t after_id) {
  Statement query(db_, R"sql(
    SELECT c.id, ag.name, ac.json FROM commands c JOIN agents ag ON ag.id = c.agent_id
    JOIN actions ac ON ac.id = c.action_id
    WHERE c.published = 0 AND c.status = 'sent' AND ac.expireafter > ?1 AND c.id > ?3 ORDER BY c.id LIMIT ?2)sql");
  MIG_RETURN_IF_ERROR(query.status());
  query.Bind(1, SqliteTime(now)).Bind(2, limit).Bind(3, after_id);
  std::vector<OutgoingCommand> commands;
  int rc;
  while ((rc = query.Step()) == SQLITE_ROW) {
    commands.push_back({.id = query.Int(0), .agent_name = query.Text(1), .action_json = query.Text(2)});
  }
  if (rc != SQLITE_DONE) return query.StepError();
  return commands;
}

absl::Status Store::MarkPublished(absl::Span<const int64_t> command_ids) {
  MIG_RETURN_IF_ERROR(Execute("BEGIN IMMEDIATE"));
  Statement update(db_, "UPDATE commands SET published = 1 WHERE id = ?1");
  absl::Status status = update.status();
  for (size_t i = 0; status.ok() && i < command_ids.size(); ++i) {
    update.Reset();
    update.Bind(1, command_ids[i]);
    status = update.Run();
  }
  if (status.ok()) status = Execute("COMMIT");
  if (!status.ok()) Execute("ROLLBACK").IgnoreError();
  return status;
}

absl::StatusOr<StoredAction> Store::GetAction(int64_t action_id) {
  MIG_ASSIGN_OR_RETURN(std::vector<StoredAction> actions, QueryActions({}, action_id, absl::Now(), 0, 1));
  if (actions.empty()) return absl::NotFoundError(absl::StrCat("no action ", action_id));
  return actions[0];
}

absl::StatusOr<std::vector<StoredAction>> Store::ListActions(const ActionFilter& filter, absl::Time now, int64_t offset,
                                                             int64_t limit) {
  return QueryActions(filter, 0, now, offset, limit);
}

absl::StatusOr<std::vector<StoredAction>> Store::QueryActions(const ActionFilter& filter, int64_t only_id,
                                                              absl::Time now, int64_t offset, int64_t limit) {
  // Newest first, by creation time (to the second; ids, being random, do not order actions).
  Statement query(db_, R"sql(
    SELECT id, name, target, validfrom, expireafter, created, json, investigator FROM actions
    WHERE (?1 = 0 OR id = ?1)
      AND (?4 = '' OR instr(lower(name), lower(?4)) > 0)
      AND (?5 = '' OR created >= ?5)
      AND (?6 = 0 OR expireafter > ?7)
      AND (?8 = '' OR investigator = ?8)
    ORDER BY created DESC, id DESC LIMIT ?2 OFFSET ?3)sql");
  MIG_RETURN_IF_ERROR(query.status());
  query.Bind(1, only_id)
      .Bind(2, limit)
      .Bind(3, offset)
      .Bind(4, filter.name_contains)
      .Bind(5, filter.created_since == absl::InfinitePast() ? std::string() : SqliteTime(filter.created_since))
      .Bind(6, filter.running_only ? 1 : 0)
      .Bind(7, SqliteTime(now))
      .Bind(8, filter.investigator);
  std::vector<StoredAction> actions;
  int rc;
  while ((rc = query.Step()) == SQLITE_ROW) {
    actions.push_back({.id = query.Int(0),
                       .name = query.Text(1),
                       .target = query.Text(2),
                       .valid_from = query.Text(3),
                       .expire_after = query.Text(4),
                       .created = query.Text(5),
                       .json = query.Text(6),
                       .investigator = query.Text(7)});
  }
  if (rc != SQLITE_DONE) return query.StepError();
  return actions;
}

absl::StatusOr<std::vector<StoredAgent>> Store::Agents(absl::Span<const int64_t> ids) {
  Statement query(db_, R"sql(
    SELECT id, name, queueloc, mode, version, pid, starttime, heartbeattime, status, environment, tags
    FROM agents WHERE id = ?1)sql");
  MIG_RETURN_IF_ERROR(query.status());
  std::vector<StoredAgent> agents;
  agents.reserve(ids.size());
  for (int64_t id : ids) {
    query.Reset();
    query.Bind(1, id);
    int rc = query.Step();
    if (rc == SQLITE_DONE) continue;
    if (rc != SQLITE_ROW) return query.StepError();
    agents.push_back({.id = query.Int(0),
                      .name = query.Text(1),
                      .queue = query.Text(2),
                      .mode = query.Text(3),
                      .version = query.Text(4),
                      .pid = query.Int(5),
                      .start_time = query.Text(6),
                      .heartbeat_time = query.Text(7),
                      .status = query.Text(8),
                      .environment_json = query.Text(9),
                      .tags_json = query.Text(10)});
  }
  return agents;
}

absl::StatusOr<int64_t> Store::ExpireCommands(absl::Time now) {
  Statement update(db_, R"sql(
    UPDATE commands SET status = 'expired', finished = ?1
    WHERE status = 'sent' AND action_id IN (SELECT id FROM actions WHERE expireafter <= ?1))sql");
  if (absl::Status s = update.status(); !s.ok()) return s;
  update.Bind(1, SqliteTime(now));
  if (absl::Status s = update.Run(); !s.ok()) return s;
  return sqlite3_changes(db_);
}

absl::StatusOr<ActionCounters> Store::Counters(int64_t action_id) {
  // A command is answered when its result is stored; "expired" without a result is the scheduler's doing (no
  // answer came in time), with one the agent's (it received the action too late to run it).
  Statement query(db_, R"sql(
    SELECT c.status, r.command_id IS NOT NULL, a.status = 'online', count(*), sum(coalesce(r.found, 0))
    FROM commands c LEFT JOIN results r ON r.command_id = c.id JOIN agents a ON a.id = c.agent_id
    WHERE c.action_id = ?1 GROUP BY 1, 2, 3)sql");
  if (absl::Status s = query.status(); !s.ok()) return s;
  query.Bind(1, action_id);
  ActionCounters counters;
  int rc;
  while ((rc = query.Step()) == SQLITE_ROW) {
    std::string status = query.Text(0);
    bool answered = query.Int(1) != 0;
    bool online = query.Int(2) != 0;
    int64_t count = query.Int(3);
    counters.targeted += count;
    counters.found += query.Int(4);
    if (!answered) {
      if (status == "sent") {
        counters.pending += count;
        if (!online) counters.pending_not_online += count;
      } else {
        counters.unanswered += count;
      }
      continue;
    }
    if (status == "success") counters.success += count;
    if (status == "failed") counters.failed += count;
    if (status == "refused") counters.refused += count;
    if (status == "timeout") counters.timeout += count;
    if (status == "expired") counters.expired += count;
  }
  if (rc != SQLITE_DONE) return query.StepError();
  return counters;
}

absl::StatusOr<std::vector<StoredResult>> Store::Results(int64_t action_id, ResultFilter filter, int64_t offset,
                                                         int64_t limit) {
  // Every targeted agent has a line, answered or not: who was not covered matters as much as what was found.
  Statement query(db_, R"sql(
    SELECT c.id, a.name,
           CASE WHEN r.command_id IS NOT NULL THEN c.status WHEN c.status = 'sent' THEN 'pending' ELSE 'unanswered' END,
           coalesce(r.found, 0), r.json, r.command_id IS NOT NULL, a.status, a.heartbeattime
    FROM commands c LEFT JOIN results r ON r.command_id = c.id JOIN agents a ON a.id = c.agent_id
    WHERE c.action_id = ?1 AND (?2 = 0 OR (?2 = 1 AND r.found = 1) OR (?2 = 2 AND r.found = 0)
                                OR (?2 = 3 AND r.command_id IS NULL))
    ORDER BY c.id LIMIT ?3 OFFSET ?4)sql");
  if (absl::Status s = query.status(); !s.ok()) return s;
  int filter_code = 0;
  switch (filter) {
    case ResultFilter::kAll:
      filter_code = 0;
      break;
    case ResultFilter::kFound:
      filter_code = 1;
      break;
    case ResultFilter::kNotFound:
      filter_code = 2;
      break;
    case ResultFilter::kUnanswered:
      filter_code = 3;
      break;
  }
  query.Bind(1, action_id).Bind(2, filter_code).Bind(3, limit).Bind(4, offset);
  std::vector<StoredResult> results;
  int rc;
  while ((rc = query.Step()) == SQLITE_ROW) {
    results.push_back({.command_id = query.Int(0),
                       .agent_name = query.Text(1),
                       .status = query.Text(2),
                       .found = query.Int(3) != 0,
                       .json = query.Text(4),
                       .answered = query.Int(5) != 0,
                       .agent_status = query.Text(6),
                       .heartbeat_time = query.Text(7)});
  }
  if (rc != SQLITE_DONE) return query.StepError();
  return results;
}

}  // namespace mig::scheduler
