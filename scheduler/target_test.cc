// The target language against a real SQLite database: MIG's conditions select the right agents; every
// target becomes SQL of fixed text and bound parameters; anything outside the grammar or its limits is
// refused with the offset it starts at; and evaluation stops at its step count, deadline and value size.
#include "scheduler/target.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "scheduler/target_language.h"
#include "scheduler/target_sql.h"
#include "sqlite3.h"

namespace mig::scheduler {
namespace {

const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2027, 1, 15, 8, 5, 0), absl::UTCTimeZone());

void Exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  INFO((error != nullptr ? error : ""));
  sqlite3_free(error);
  REQUIRE(rc == SQLITE_OK);
}

// The agents table as the scheduler's store has it, five agents, and two tables a target must never read.
std::string Database(const std::string& name = "target_test.db") {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string path = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", name);
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove(absl::StrCat(path, suffix).c_str());
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  Exec(db, R"sql(
    PRAGMA journal_mode=WAL;
    CREATE TABLE agents (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, queueloc TEXT NOT NULL DEFAULT '',
                         mode TEXT NOT NULL, version TEXT NOT NULL, pid INTEGER NOT NULL, starttime TEXT NOT NULL,
                         heartbeattime TEXT NOT NULL, status TEXT NOT NULL, environment TEXT NOT NULL,
                         tags TEXT NOT NULL);
    CREATE TABLE investigators (id INTEGER PRIMARY KEY, name TEXT, pubkey TEXT);
    CREATE TABLE actions (id INTEGER PRIMARY KEY, target TEXT);
    INSERT INTO investigators VALUES (1, 'alice', 'secret-key-material');
    INSERT INTO actions VALUES (1, 'status=''online''');
    INSERT INTO agents (id, name, mode, version, pid, starttime, heartbeattime, status, environment, tags) VALUES
      (1, 'web1', 'daemon', '0.1', 100, '2027-01-01 00:00:00', '2027-01-15 08:00:00', 'online',
       '{"os":"linux","arch":"amd64","ident":"Debian 12","addresses":["10.0.0.1/8","fe80::1/64"],"isproxied":false}',
       '{"env":"prod","team":"web"}'),
      (2, 'web2', 'daemon', '0.1', 200, '2027-01-01 00:00:00', '2027-01-15 07:59:00', 'online',
       '{"os":"linux","arch":"arm64","ident":"Ubuntu 22.04"}', '{"env":"staging"}'),
      (3, 'db1', 'checkin', '0.2', 300, '2027-01-01 00:00:00', '2027-01-15 07:50:00', 'idle',
       '{"os":"linux","arch":"amd64","migreleasefailed":"0.3: not healthy"}', '{"env":"prod","owner":"it''s"}'),
      (4, 'mac1', 'daemon', '0.1', 400, '2026-01-01 00:00:00', '2027-01-14 08:00:00', 'offline',
       '{"os":"darwin","arch":"arm64"}', '{}'),
      (5, 'Web3', 'daemon', '0.1', 500, '2027-01-01 00:00:00', '2027-01-15 08:01:00', 'online',
       '{"os":"linux"}', '{"env":"prod"}');
  )sql");
  sqlite3_close(db);
  return path;
}

std::vector<std::string> Names(const std::vector<TargetedAgent>& agents) {
  std::vector<std::string> names;
  for (const TargetedAgent& a : agents) names.push_back(a.name);
  return names;
}

struct Selects {
  const char* target;
  std::vector<std::string> names;
};

TEST_CASE("MIG's targets select agents by status, name, tags, environment and time") {
  std::string path = Database();
  absl::StatusOr<TargetSelector> selector = TargetSelector::Open(path);
  INFO(selector.status().message());
  REQUIRE(selector.ok());
  const std::vector<std::string> kEveryone = {"web1", "web2", "db1", "mac1", "Web3"};
  const std::vector<Selects> kCases = {
      // README's and MIG's documentation's examples.
      {"status='online'", {"web1", "web2", "Web3"}},
      {"status='online' AND tags->>'env'='prod'", {"web1", "Web3"}},
      {"name LIKE 'web%'", {"web1", "web2"}},
      {"tags->>'env'='prod'", {"web1", "db1", "Web3"}},
      {"environment->>'os'='linux'", {"web1", "web2", "db1", "Web3"}},
      {"environment->>'os'='linux' AND environment->>'arch'='amd64'", {"web1", "db1"}},
      {"environment->>'migreleasefailed' IS NOT NULL", {"db1"}},
      {"environment->>'os' IN ('linux', 'darwin')", kEveryone},
      {"environment->>'ident' ILIKE '%ubuntu%' AND environment->>'arch'='arm64'", {"web2"}},
      {"agents.environment->>'ident' LIKE 'Debian%' AND agents.name LIKE '%1'", {"web1"}},
      {"mode='checkin' OR status='offline'", {"db1", "mac1"}},
      {"heartbeattime > NOW() - INTERVAL '10 minutes'", {"web1", "web2", "Web3"}},
      {"starttime < NOW() - INTERVAL '30 days'", {"mac1"}},
      {"(status='online') AND name IN ('web1','db1','it''s')", {"web1"}},  // the investigator's --target-found
      // Comparisons, each spelling.
      {"pid = 200", {"web2"}},
      {"pid == 200", {"web2"}},
      {"version != '0.1'", {"db1"}},
      {"version <> '0.1'", {"db1"}},
      {"pid < 200", {"web1"}},
      {"pid <= 200", {"web1", "web2"}},
      {"pid > 400", {"Web3"}},
      {"pid >= 300 AND pid <= 400", {"db1", "mac1"}},
      {"pid > -1 AND pid < 1e3 AND pid > 99.5", kEveryone},
      {"id IN (1, 3)", {"web1", "db1"}},
      {"heartbeattime > '2027-01-15 07:55:00'", {"web1", "web2", "Web3"}},
      {"heartbeattime < NOW() - INTERVAL '1 day'", {"mac1"}},
      // LIKE is case-sensitive with '\' escapes, as in MIG's PostgreSQL; ILIKE is not.
      {"name LIKE 'web_'", {"web1", "web2"}},
      {"name ILIKE 'WEB%'", {"web1", "web2", "Web3"}},
      {"name NOT LIKE 'web%'", {"db1", "mac1", "Web3"}},
      {"name NOT ILIKE 'web%'", {"db1", "mac1"}},
      {"tags->>'owner' LIKE 'it''s'", {"db1"}},
      {"name LIKE 'web\\%'", {}},
      {"environment->>'migreleasefailed' LIKE '0.3:%'", {"db1"}},
      // JSON paths, lists, NULL, functions, constants, NOT and parentheses.
      {"environment->'addresses'->>0 = '10.0.0.1/8'", {"web1"}},
      {"environment->'addresses'->>1 LIKE 'fe80:%'", {"web1"}},
      {"environment->>'isproxied' = FALSE", {"web1"}},
      {"environment->>'os' NOT IN ('linux')", {"mac1"}},
      {"environment->>'migreleasefailed' IS NULL", {"web1", "web2", "mac1", "Web3"}},
      {"tags->>'nothing' = 'x'", {}},
      {"lower(name) = 'web3'", {"Web3"}},
      {"upper(status) = 'IDLE'", {"db1"}},
      {"lower(upper(name)) IN ('web1', 'web3')", {"web1", "Web3"}},
      {"TRUE", kEveryone},
      {"false", {}},
      {"1=1", kEveryone},
      {"true AND status='idle'", {"db1"}},
      {"NOT status='online'", {"db1", "mac1"}},
      {"NOT (status='online' OR status='idle')", {"mac1"}},
      {"(status='online' OR status='idle') AND NOT name LIKE 'web%'", {"db1", "Web3"}},
      {"STATUS = 'online' and Name like 'web%' oR mode = 'checkin'", {"web1", "web2", "db1"}},
      {"\tstatus\n=\r'idle'  ", {"db1"}},
      // SQL in a string is a string.
      {"name = '1'' OR ''1''=''1'", {}},
      {"name = 'x''); DROP TABLE agents; --'", {}},
      {"name = 'web1'' /*'", {}},
      {"name = 'é' OR name = '日本'", {}},
  };
  for (const Selects& c : kCases) {
    INFO(c.target);
    absl::StatusOr<std::vector<TargetedAgent>> agents = selector->Select(c.target, kNow);
    INFO(agents.status().message());
    REQUIRE(agents.ok());
    CHECK(Names(*agents) == c.names);
    CHECK(selector->Check(c.target).ok());
  }
}

struct Rendered {
  const char* target;
  const char* sql;
  std::vector<SqlParameter> parameters;
};

TEST_CASE("class target-escape: a target becomes fixed SQL text with every literal a bound parameter") {
  const std::vector<Rendered> kCases = {
      {"status='online' AND tags->>'env'='prod'",
       "(status = ? AND json_extract(tags, ?) = ?)",
       {std::string("online"), std::string("$.\"env\""), std::string("prod")}},
      {"name ILIKE 'WEB%'", "lower(name) LIKE ? ESCAPE '\\'", {std::string("web%")}},
      {"environment->'addresses'->>0 NOT LIKE '10.%'",
       "json_extract(environment, ?) NOT LIKE ? ESCAPE '\\'",
       {std::string("$.\"addresses\"[0]"), std::string("10.%")}},
      {"id IN (1, -2, 2.5, 'x', TRUE)", "id IN (?, ?, ?, ?, TRUE)", {int64_t{1}, int64_t{-2}, 2.5, std::string("x")}},
      {"NOT tags IS NULL", "(NOT tags IS NULL)", {}},
      {"heartbeattime >= NOW() - INTERVAL '5 minutes'", "heartbeattime >= ?", {std::string("2027-01-15 08:00:00")}},
      // A quote, a comment, a semicolon or parentheses inside a string do not reach the SQL.
      {"name = 'x'') UNION SELECT pubkey, 1 FROM investigators; --'",
       "name = ?",
       {std::string("x') UNION SELECT pubkey, 1 FROM investigators; --")}},
      // AND/OR chains become balanced trees: SQLite's expression depth grows with the logarithm of the length.
      {"pid=1 OR pid=2 OR pid=3 OR pid=4 OR pid=5",
       "((pid = ? OR pid = ?) OR (pid = ? OR (pid = ? OR pid = ?)))",
       {int64_t{1}, int64_t{2}, int64_t{3}, int64_t{4}, int64_t{5}}},
  };
  for (const Rendered& c : kCases) {
    INFO(c.target);
    absl::StatusOr<ParsedTarget> parsed = ParseTarget(c.target);
    INFO(parsed.status().message());
    REQUIRE(parsed.ok());
    SqlCondition where = RenderSqlite(parsed->root, kNow);
    CHECK(where.sql == c.sql);
    CHECK(where.parameters == c.parameters);
  }
}

struct Refused {
  std::string target;
  std::string error;  // a part of the message
};

std::string Repeat(std::string_view text, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += text;
  return out;
}

TEST_CASE("class target-escape: SQL outside the grammar is refused with the offset it starts at") {
  std::string path = Database();
  absl::StatusOr<TargetSelector> selector = TargetSelector::Open(path);
  REQUIRE(selector.ok());
  const std::vector<Refused> kCases = {
      {"", "the target is empty"},
      {"  \n ", "the target is empty"},
      // Breaking out of WHERE (...), stacked queries, comments.
      {"1=1) UNION ALL SELECT id, name FROM agents /*", "at offset 3: this ')' closes no '('"},
      {"status='online') OR (1=1", "at offset 15: this ')' closes no '('"},
      {"(status='online'", "at offset 16: expected ')' to close the '(' at offset 0, found the end of the target"},
      {"status='online'; DELETE FROM agents", "at offset 15: a target is one condition: ';' is not allowed"},
      {"1=1; SELECT * FROM investigators", "at offset 3: a target is one condition"},
      {"status='online' -- and the rest", "at offset 16: comments are not part of the target language"},
      {"status='online' /* x */", "at offset 16: comments are not part of the target language"},
      {"1 UNION SELECT 1", "at offset 2: expected a comparison"},
      // Other tables, subqueries, unknown columns and functions.
      {"id IN (SELECT id FROM actions)",
       "at offset 7: an IN list holds literals: a target cannot hold a query (near \"SELECT id FROM actions)\")"},
      {"(SELECT count(*) FROM actions) > 0", "at offset 1: a target is a condition on the agents table, not a query"},
      {"1 IN (WITH RECURSIVE c(x) AS (SELECT 1) SELECT x FROM c)", "at offset 6: an IN list holds literals"},
      {"name = (SELECT name FROM investigators)", "at offset 7: expected a value"},
      {"investigators.pubkey = 'x'", "at offset 0: a target reads the agents table only"},
      {"sqlite_master.name IS NULL", "a target reads the agents table only"},
      {"secret = 1", "at offset 0: unknown column 'secret' (the agents table has id, name, queueloc"},
      {"destructiontime IS NULL", "unknown column 'destructiontime'"},
      {"replace(name, 'a', 'b') = 'x'", "at offset 0: unknown function replace() (a target may call lower(), upper()"},
      {"randomblob(1000000000) IS NOT NULL", "unknown function randomblob()"},
      {"json_extract(environment, '$.os') = 'darwin'", "unknown function json_extract()"},
      {"load_extension('/tmp/evil.so') IS NULL", "unknown function load_extension()"},
      {"lower(name, 'x') = 'a'", "expected ')' to close lower("},
      // Malformed conditions.
      {"status = ", "at offset 9: expected a value after '=', found the end of the target"},
      {"status = AND 1=1", "at offset 9: expected a value after '=', found 'AND'"},
      {"status = 'online", "at offset 9: this string has no closing quote"},
      {"status", "expected a comparison (= != < <= > >= LIKE ILIKE IN IS NULL) after the value at offset 0"},
      {"1", "after the value at offset 0, found the end of the target"},
      {"status='online' AND", "at offset 19: expected a condition, found the end of the target"},
      {"NOT", "expected a condition, found the end of the target"},
      {"status='online' status='idle'", "at offset 16: expected AND, OR or the end of the target, found 'status'"},
      {"name LIKE name", "at offset 10: LIKE takes a quoted pattern, found 'name'"},
      {"name LIKE 'web\\'", "the pattern ends with the escape character"},
      {"name NOT = 'x'", "expected LIKE, ILIKE or IN after NOT, found '='"},
      {"name IS 'x'", "expected NULL after IS, found a string"},
      {"name IN ()", "an IN list holds literals (strings, numbers, TRUE, FALSE), found ')'"},
      {"name IN ('a' 'b')", "expected ')' to close the IN list at offset 8, found a string"},
      {"name IN (name)", "an IN list holds literals"},
      {"name = NULL", "NULL is no value to compare with"},
      {"pid BETWEEN 1 AND 2", "BETWEEN is not supported"},
      {"pid = 1 + 1", "at offset 8: expected AND, OR or the end of the target, found '+'"},
      {"pid = 99999999999999999999", "the number 99999999999999999999 is out of range"},
      {"pid = 1e999", "is out of range"},
      {"status = \"online\"", "at offset 9: double quotes are not part of the target language"},
      {"name = 'a' || 'b'", "at offset 11: unexpected character '|'"},
      {"pid::text = '1'", "at offset 3: unexpected character ':'"},
      {"name = ?", "unexpected character '?'"},
      {"status = 'online' AND = 1", "at offset 22: expected a value (a column"},
      // JSON paths.
      {"environment->'os' = 'linux'", "'->' gives JSON: end the path with '->>' to compare its text"},
      {"environment->>'os'->>'x' = 'a'", "'->>' gives text: it must be the last step"},
      {"name->>'x' = 'a'", "only environment and tags hold JSON, not name"},
      {"tags->>'a\"b' = 'x'", "a JSON key must be non-empty and hold no '\"'"},
      {"tags->>'' = 'x'", "a JSON key must be non-empty"},
      {"tags->>status = 'x'", "expected a key ('os') or an array index (0) after '->>', found 'status'"},
      {"tags" + Repeat("->'a'", 8) + "->>'b' = 'x'", "a JSON path has at most 8 steps"},
      // Times.
      {"heartbeattime > NOW() - 5", "now() can only be shifted by an INTERVAL"},
      {"heartbeattime > NOW() - INTERVAL '3 fortnights'", "an INTERVAL is a quoted count and unit"},
      {"heartbeattime > NOW() - INTERVAL '200 weeks' - INTERVAL '1 day'", "expected AND, OR or the end"},
      {"heartbeattime > NOW() + INTERVAL '999999 weeks'", "longer than 100 years"},
      // Bytes that are not text.
      {std::string("status='online'\0' OR 1=1", 24), "at offset 15: a NUL byte is not allowed"},
      {std::string("name = 'a\0b'", 12), "at offset 9: a NUL byte is not allowed"},
      {"name = '\xff\xfe'", "at offset 7: the string is not valid UTF-8"},
      {"name = '\xc0\xaf'", "the string is not valid UTF-8"},      // an overlong '/'
      {"name = '\xed\xa0\x80'", "the string is not valid UTF-8"},  // a surrogate
      {"status = 'x' OR \xc3\xa9 = 1",
       "at offset 16: unexpected byte 0xc3: text other than ASCII belongs in a quoted string"},
      {"status='online'\x01", "at offset 15: control character 0x01 is not allowed"},
      {"status='online'\x1b[2J", "control character 0x1b"},
      {"name = 'a\tb'", "at offset 9: control character 0x09 is not allowed"},
      {"name = 'a\nb'", "at offset 9: control character 0x0a is not allowed"},
  };
  for (const Refused& c : kCases) {
    INFO(c.target);
    absl::StatusOr<std::vector<TargetedAgent>> agents = selector->Select(c.target, kNow);
    REQUIRE_FALSE(agents.ok());
    INFO(agents.status().message());
    CHECK(agents.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StrContains(agents.status().message(), c.error));
    CHECK_FALSE(selector->Check(c.target).ok());
  }
  // Nothing was changed or leaked: the other tables are intact.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* count = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM agents), (SELECT count(*) FROM investigators)", -1,
                             &count, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(count) == SQLITE_ROW);
  CHECK(sqlite3_column_int(count, 0) == 5);
  CHECK(sqlite3_column_int(count, 1) == 1);
  sqlite3_finalize(count);
  sqlite3_close(db);
}

TEST_CASE("class target-exhaustion: size, depth, parts, lists, strings and column reads are bounded") {
  std::string path = Database();
  absl::StatusOr<TargetSelector> selector = TargetSelector::Open(path);
  REQUIRE(selector.ok());
  const TargetGrammarLimits limits;
  const std::vector<Refused> kCases = {
      {std::string(70'000, 'a'), "the target is 70000 bytes, more than the limit of 65536"},
      {Repeat("(", 10'000) + "1=1" + Repeat(")", 10'000), "at offset 24: the target nests deeper than 24 levels"},
      {Repeat("NOT ", 10'000) + "1=1", "at offset 96: the target nests deeper than 24 levels"},
      {"name = " + Repeat("lower(", 5'000) + "name" + Repeat(")", 5'000), "nests deeper than 24 levels"},
      {"(" + Repeat("NOT (", 5'000) + "1=1" + Repeat(")", 5'001), "nests deeper than 24 levels"},
      {"name = '" + std::string(16 << 10, 'a') + "'",
       "at offset 7: the string is 16384 bytes, more than the limit of 1024"},
      {"name LIKE '" + std::string(300, '%') + "'",
       "the LIKE patterns take 300 bytes together, more than the limit of 128"},
      {Repeat("name LIKE '%" + std::string(30, '_') + "%' OR ", 5) + "TRUE",
       "the LIKE patterns take 160 bytes together"},
      {"id IN (" + Repeat("1,", 5'000) + "1)", "the IN list at offset 6 has more than 4096 values"},
      {Repeat("1=1 OR ", 3'000) + "1=1", "the target has more than 8192 parts"},
      {Repeat("name='a' OR ", 40) + "TRUE", "the target reads or copies values more than 32 times"},
      {Repeat("environment->>'os' ILIKE '%a%' OR ", 11) + "TRUE", "reads or copies values more than 32 times"},
      {Repeat("lower(name) = 'a' OR ", 17) + "TRUE", "reads or copies values more than 32 times"},
  };
  for (const Refused& c : kCases) {
    INFO(c.target.substr(0, 200));
    absl::StatusOr<std::vector<TargetedAgent>> agents = selector->Select(c.target, kNow);
    REQUIRE_FALSE(agents.ok());
    INFO(agents.status().message());
    CHECK(agents.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StrContains(agents.status().message(), c.error));
  }

  // The largest targets of each shape the limits allow still evaluate: the SQL they render stays within what
  // SQLite's own limits on this connection accept.
  const std::vector<std::string> kLargest = {
      Repeat("(", limits.max_depth) + "status='idle'" + Repeat(")", limits.max_depth),
      Repeat("NOT ", limits.max_depth) + "status='idle'",
      "name = " + Repeat("lower(", limits.max_depth) + "'DB1'" + Repeat(")", limits.max_depth),
      Repeat("(NOT (status='x' OR ", limits.max_depth / 3) + "status='idle'" + Repeat("))", limits.max_depth / 3),
      "id IN (" + Repeat("3,", limits.max_list_items - 1) + "3)",
      Repeat("1=0 OR ", (limits.max_nodes - 4) / 3) + "name='db1'",
      Repeat("environment->>'os' ILIKE '%" + std::string(15, '_') + "' OR ", 8) + "name='db1'",  // 128 bytes
      Repeat("tags->>'env' = 'x' OR ", limits.max_value_copies / 2 - 1) + "pid = 300 OR name = 'x'",
      "tags" + Repeat("->'a'", limits.max_json_path - 1) + "->>0 IS NULL AND name = '" +
          std::string(limits.max_string_bytes - 3, 'x') + "db1' OR name='db1'",
  };
  for (const std::string& target : kLargest) {
    INFO(target.substr(0, 200));
    absl::StatusOr<std::vector<TargetedAgent>> agents = selector->Select(target, kNow);
    INFO(agents.status().message());
    REQUIRE(agents.ok());
    CHECK(Names(*agents) == std::vector<std::string>{"db1"});
  }
}

TEST_CASE("class target-exhaustion: evaluation stops at its step count, its deadline and its value size") {
  std::string path = Database("many_agents.db");
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    // (2,000 agents: enough for the bounds, few enough that the table stays two levels deep; deeper, the
    // sanitizer build's SQLite trips a UBSan object-size report in balance_nonroot.)
    Exec(db, R"sql(
      WITH RECURSIVE n(i) AS (SELECT 6 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
      INSERT INTO agents (id, name, mode, version, pid, starttime, heartbeattime, status, environment, tags)
      SELECT i, 'agent' || i, 'daemon', '0.1', i, '2027-01-01 00:00:00', '2027-01-15 08:00:00', 'online',
             '{"os":"linux"}', '{"env":"prod"}' FROM n;
      UPDATE agents SET environment = '{"os":"linux","pad":"' || hex(zeroblob(4096)) || '"}' WHERE id = 2000;
    )sql");
    sqlite3_close(db);
  }
  const std::string kTarget = "environment->>'os' ILIKE '%linux%' AND tags->>'env' = 'prod' AND id < 1900";
  SECTION("within its limits it runs") {
    // (A deadline no loaded machine misses: this checks the result, not the speed.)
    absl::StatusOr<TargetSelector> selector = TargetSelector::Open(path, {.deadline = absl::Hours(1)});
    REQUIRE(selector.ok());
    absl::StatusOr<std::vector<TargetedAgent>> agents = selector->Select(kTarget, kNow);
    INFO(agents.status().message());
    REQUIRE(agents.ok());
    CHECK(agents->size() == 3 + (1899 - 6 + 1));  // web1, db1, Web3 and agent6..agent1899
  }
  SECTION("the step count") {
    absl::StatusOr<TargetSelector> selector = TargetSelector::Open(path, {.max_steps = 5'000});
    REQUIRE(selector.ok());
    absl::StatusOr<std::vector<TargetedAgent>> agents = selector->Select(kTarget, kNow);
    CHECK(agents.status().code() == absl::StatusCode::kResourceExhausted);
    CHECK(absl::StrContains(agents.status().message(), "the target needs more than 5000 steps to evaluate"));
  }
  SECTION("the deadline (here already past when the first check comes)") {
    absl::StatusOr<TargetSelector> selector = TargetSelector::Open(path, {.deadline = absl::ZeroDuration()});
    REQUIRE(selector.ok());
    absl::StatusOr<std::vector<TargetedAgent>> agents = selector->Select(kTarget, kNow);
    CHECK(agents.status().code() == absl::StatusCode::kResourceExhausted);
    CHECK(absl::StrContains(agents.status().message(), "the target needs more than 0 to evaluate"));
  }
  SECTION("the largest value") {
    absl::StatusOr<TargetSelector> selector = TargetSelector::Open(path, {.max_value_bytes = 4096});
    REQUIRE(selector.ok());
    absl::StatusOr<std::vector<TargetedAgent>> agents = selector->Select("environment->>'os' = 'linux'", kNow);
    CHECK(agents.status().code() == absl::StatusCode::kResourceExhausted);
    CHECK(absl::StrContains(agents.status().message(), "more memory than allowed"));
    // A target that does not read the large value is not affected.
    CHECK(selector->Select("status = 'online'", kNow).ok());
  }
}

TEST_CASE("A database without an agents table is refused when opened") {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string path = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/empty.db");
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_close(db);
  absl::StatusOr<TargetSelector> selector = TargetSelector::Open(path);
  REQUIRE_FALSE(selector.ok());
  CHECK(absl::StrContains(selector.status().message(), "no agents table"));
  CHECK_FALSE(TargetSelector::Open("/nonexistent/dir/x.db").ok());
}

}  // namespace
}  // namespace mig::scheduler
