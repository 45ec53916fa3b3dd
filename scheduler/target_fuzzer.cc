// Fuzzes the target language: any input is parsed or refused without crashing; a refusal names an offset
// inside the input; a parsed target renders to SQL made of the renderer's own words only (no byte of the
// input, no quote, comment or semicolon), with one bound parameter per placeholder; and that SQL runs on a
// real agents table (with the selector's limits) to a result or a resource refusal, never an SQL error.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "scheduler/target.h"
#include "scheduler/target_language.h"
#include "scheduler/target_sql.h"
#include "sqlite3.h"

namespace {

using mig::scheduler::ParsedTarget;
using mig::scheduler::SqlCondition;
using mig::scheduler::TargetSelector;

const absl::Time kNow = absl::FromUnixSeconds(1800000000);

TargetSelector* Selector() {
  static TargetSelector* selector = [] {
    const char* tmp = std::getenv("TEST_TMPDIR");
    static const std::string path = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/target_fuzzer.", getpid(), ".db");
    std::remove(path.c_str());
    std::atexit([] { std::remove(path.c_str()); });
    sqlite3* db = nullptr;
    if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) __builtin_trap();
    const char* schema = R"sql(
      CREATE TABLE agents (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, queueloc TEXT NOT NULL,
                           mode TEXT NOT NULL, version TEXT NOT NULL, pid INTEGER NOT NULL, starttime TEXT NOT NULL,
                           heartbeattime TEXT NOT NULL, status TEXT NOT NULL, environment TEXT NOT NULL,
                           tags TEXT NOT NULL);
      INSERT INTO agents VALUES
        (1, 'web1', 'q1', 'daemon', '0.1', 100, '2027-01-01 00:00:00', '2027-01-15 08:00:00', 'online',
         '{"os":"linux","addresses":["10.0.0.1/8"],"a":{"b":[1,{"c":"d"}]}}', '{"env":"prod"}'),
        (2, 'db1', 'q2', 'checkin', '0.2', 200, '2027-01-01 00:00:00', '2027-01-14 08:00:00', 'idle',
         '{"os":"darwin","isproxied":true}', '{}'),
        (3, 'x', 'q3', 'daemon', '', 0, '', '', 'offline', '"a string"', '[1,2]');
    )sql";
    if (sqlite3_exec(db, schema, nullptr, nullptr, nullptr) != SQLITE_OK) __builtin_trap();
    sqlite3_close(db);
    absl::StatusOr<TargetSelector> opened = TargetSelector::Open(path);
    if (!opened.ok()) __builtin_trap();
    return new TargetSelector(*std::move(opened));
  }();
  return selector;
}

// Every word the SQLite renderer writes; anything else in its SQL came from the input.
const std::set<std::string, std::less<>>& RendererWords() {
  static const auto* words = new std::set<std::string, std::less<>>{
      "AND",    "OR",           "NOT",           "LIKE",   "IN",          "IS",   "NULL",     "TRUE", "FALSE",
      "ESCAPE", "json_extract", "lower",         "upper",  "id",          "name", "queueloc", "mode", "version",
      "pid",    "starttime",    "heartbeattime", "status", "environment", "tags"};
  return *words;
}

void CheckSql(const SqlCondition& where) {
  // The one quoted text the renderer writes is LIKE's escape character.
  std::string sql = absl::StrReplaceAll(where.sql, {{" ESCAPE '\\'", " ESCAPE"}});
  size_t placeholders = 0;
  int open = 0;
  for (size_t i = 0; i < sql.size();) {
    char c = sql[i];
    if (absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t start = i;
      while (i < sql.size() && (absl::ascii_isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_')) ++i;
      if (RendererWords().count(std::string_view(sql).substr(start, i - start)) == 0) __builtin_trap();
      continue;
    }
    switch (c) {
      case '?':
        ++placeholders;
        break;
      case '(':
        ++open;
        break;
      case ')':
        if (--open < 0) __builtin_trap();
        break;
      case ' ':
      case ',':
      case '=':
      case '<':
      case '>':
        break;
      default:
        __builtin_trap();  // a quote, a digit, a comment, a semicolon...: not the renderer's
    }
    ++i;
  }
  if (open != 0 || placeholders != where.parameters.size()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view target(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<ParsedTarget> parsed = mig::scheduler::ParseTarget(target);
  absl::StatusOr<std::vector<mig::scheduler::TargetedAgent>> selected = Selector()->Select(target, kNow);
  if (!parsed.ok()) {
    // Refused the same way by the selector, at an offset inside the input.
    if (selected.ok() || selected.status() != parsed.status()) __builtin_trap();
    std::string_view message = parsed.status().message();
    if (absl::ConsumePrefix(&message, "at offset ")) {
      size_t offset = 0;
      if (!absl::SimpleAtoi(message.substr(0, message.find(':')), &offset) || offset > size) __builtin_trap();
    } else if (!absl::StartsWith(message, "the target ")) {
      __builtin_trap();
    }
    return 0;
  }
  CheckSql(mig::scheduler::RenderSqlite(parsed->root, kNow));
  if (!selected.ok() && !absl::IsResourceExhausted(selected.status())) __builtin_trap();
  return 0;
}
