// The target language against a real SQLite database: MIG's conditions select the right agents, and no
// target can read another table, write, or run away.
#include "scheduler/target.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "sqlite3.h"

namespace mig::scheduler {
namespace {

std::string Database() {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string path = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/target_test.db");
  std::remove(path.c_str());
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  const char* schema = R"sql(
    PRAGMA journal_mode=WAL;
    CREATE TABLE agents (id INTEGER PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, mode TEXT,
                         version TEXT, tags TEXT, environment TEXT, heartbeattime TEXT);
    CREATE TABLE investigators (id INTEGER PRIMARY KEY, name TEXT, pubkey TEXT);
    CREATE TABLE actions (id INTEGER PRIMARY KEY, target TEXT);
    INSERT INTO investigators VALUES (1, 'alice', 'secret-key-material');
    INSERT INTO actions VALUES (1, 'status=''online''');
    INSERT INTO agents VALUES
      (1, 'web1', 'online', 'daemon', '0.1', '{"env":"prod","team":"web"}', '{"os":"linux","arch":"amd64"}', ''),
      (2, 'web2', 'online', 'daemon', '0.1', '{"env":"staging"}', '{"os":"linux","arch":"arm64"}', ''),
      (3, 'db1', 'idle', 'checkin', '0.1', '{"env":"prod"}', '{"os":"linux","arch":"amd64"}', ''),
      (4, 'mac1', 'offline', 'daemon', '0.1', '{}', '{"os":"darwin","arch":"arm64"}', '');
  )sql";
  char* error = nullptr;
  int rc = sqlite3_exec(db, schema, nullptr, nullptr, &error);
  INFO((error != nullptr ? error : ""));
  REQUIRE(rc == SQLITE_OK);
  sqlite3_close(db);
  return path;
}

struct Selects {
  std::string target;
  std::vector<std::string> names;
};

TEST_CASE("MIG's targets select agents by status, name, tags and environment") {
  std::string path = Database();
  absl::StatusOr<TargetSelector> selector = TargetSelector::Open(path);
  INFO(selector.status().message());
  REQUIRE(selector.ok());
  std::vector<Selects> cases = {
      {"status='online'", {"web1", "web2"}},
      {"name LIKE 'web%'", {"web1", "web2"}},
      {"tags->>'env'='prod'", {"web1", "db1"}},
      {"status='online' AND tags->>'env'='prod'", {"web1"}},
      {"environment->>'os'='linux' AND environment->>'arch'='amd64'", {"web1", "db1"}},
      {"json_extract(environment, '$.os')='darwin'", {"mac1"}},
      {"mode='checkin' OR status='offline'", {"db1", "mac1"}},
      {"id IN (SELECT id FROM agents WHERE status='idle')", {"db1"}},
      {"lower(name) GLOB 'web[12]'", {"web1", "web2"}},
      {"name = 'nobody' -- a comment", {}},
      {"1", {"web1", "web2", "db1", "mac1"}},
  };
  for (const Selects& c : cases) {
    INFO(c.target);
    absl::StatusOr<std::vector<TargetedAgent>> agents = selector->Select(c.target);
    INFO(agents.status().message());
    REQUIRE(agents.ok());
    std::vector<std::string> names;
    for (const TargetedAgent& a : *agents) names.push_back(a.name);
    CHECK(names == c.names);
    CHECK(selector->Check(c.target).ok());
  }
}

struct Refused {
  std::string target;
  std::string error_part;
};

TEST_CASE("A target can read nothing but the agents table, change nothing, and not run away") {
  std::string path = Database();
  absl::StatusOr<TargetSelector> selector = TargetSelector::Open(path, {.max_steps = 200'000});
  REQUIRE(selector.ok());
  std::vector<Refused> cases = {
      {"", "the target is empty"},
      {"1) UNION SELECT id, pubkey FROM investigators --", "may only read the agents table, not 'investigators'"},
      {"(SELECT count(*) FROM actions) > 0", "not 'actions'"},
      {"name IN (SELECT name FROM sqlite_master)", "not 'sqlite_master'"},
      {"1); DELETE FROM agents; --", "one condition only"},
      {"1); PRAGMA writable_schema=1; --", "one condition only"},
      {"1) ; ATTACH DATABASE '/tmp/x.db' AS x; --", "one condition only"},
      {"name = (SELECT group_concat(name) FROM agents)", "may not call group_concat()"},
      {"randomblob(1000000000) IS NOT NULL", "may not call randomblob()"},
      {"sqlite_version() > '3'", "may not call sqlite_version()"},
      {"load_extension('/tmp/evil.so') IS NULL", "load_extension"},
      {"1 IN (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT x FROM c)", "recursive"},
      {"status = 'online", "unrecognized token"},
      {"status = ", "syntax error"},
      {"(SELECT count(*) FROM agents a, agents b, agents c, agents d, agents e, agents f, agents g, agents h, agents i, "
       "agents j) > 0",
       "more work than allowed"},
      {std::string("status='online'\0' OR 1", 23), "NUL"},
  };
  for (const Refused& c : cases) {
    INFO(c.target);
    absl::StatusOr<std::vector<TargetedAgent>> agents = selector->Select(c.target);
    REQUIRE_FALSE(agents.ok());
    INFO(agents.status().message());
    CHECK(agents.status().message().find(c.error_part) != std::string_view::npos);
  }
  // Nothing was changed or leaked: the other tables are intact.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* count = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM agents), (SELECT count(*) FROM investigators)", -1,
                             &count, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(count) == SQLITE_ROW);
  CHECK(sqlite3_column_int(count, 0) == 4);
  CHECK(sqlite3_column_int(count, 1) == 1);
  sqlite3_finalize(count);
  sqlite3_close(db);
}

TEST_CASE("A database without an agents table is refused when opened") {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string path = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/empty.db");
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_close(db);
  absl::StatusOr<TargetSelector> selector = TargetSelector::Open(path);
  REQUIRE_FALSE(selector.ok());
  CHECK(selector.status().message().find("no agents table") != std::string_view::npos);
  CHECK_FALSE(TargetSelector::Open("/nonexistent/dir/x.db").ok());
}

}  // namespace
}  // namespace mig::scheduler
