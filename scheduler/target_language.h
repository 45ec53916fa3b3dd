// MIG's target language, parsed by a grammar of its own: which agents an action is for, as a condition over
// the agents table (`status='online' AND tags->>'env'='prod'`, `name LIKE 'web%'`,
// `environment->>'os' IN ('linux','darwin')`, `heartbeattime > NOW() - INTERVAL '10 minutes'`). The text
// becomes a tree (TargetCondition) that target_sql.h renders as SQL with every literal a bound parameter and
// every column a fixed identifier: no byte of the target reaches SQL, so no quote, comment, semicolon or
// parenthesis in it can change the query's shape. Another SQL dialect is another renderer of the same tree.
//
//   MIG_ASSIGN_OR_RETURN(ParsedTarget target, ParseTarget("status='online' AND name LIKE 'web%'"));
//   // refused: "at offset 9: expected a value after '=', found end of target"
//
// The grammar (keywords in any case):
//
//   condition  := and { OR and }
//   and        := not { AND not }
//   not        := NOT not | '(' condition ')' | TRUE | FALSE | value tail
//   tail       := op value                       op: = == != <> < <= > >=
//               | [NOT] LIKE string | [NOT] ILIKE string            (ILIKE: ASCII case-insensitive)
//               | [NOT] IN '(' literal { ',' literal } ')'
//               | IS [NOT] NULL
//   value      := literal | column | json | lower '(' value ')' | upper '(' value ')'
//               | NOW '(' ')' [ ('+' | '-') INTERVAL string ]    (INTERVAL '30 days'; second, minute, hour,
//                                                                  day, week, singular or plural)
//   json       := (environment | tags) { '->' key } '->>' key   key: a string, or an array index
//   literal    := string | [-] number | TRUE | FALSE            string: '...' with '' for a quote
//   column     := [agents.] id | name | queueloc | mode | version | pid | starttime | heartbeattime | status
//                 | environment | tags
//
// Everything else is refused with the offset it starts at: other tables and columns, subqueries, other
// functions, comments, ';', double quotes, casts, arithmetic, NUL and control bytes, invalid UTF-8. The
// limits (TargetGrammarLimits) bound the size, depth and cost of what can be asked for.
#ifndef MIG_SCHEDULER_TARGET_LANGUAGE_H_
#define MIG_SCHEDULER_TARGET_LANGUAGE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace mig::scheduler {

// The columns of the agents table a target may name: the same in every SQL dialect.
enum class AgentColumn {
  kId,
  kName,
  kQueueLoc,
  kMode,
  kVersion,
  kPid,
  kStartTime,
  kHeartbeatTime,
  kStatus,
  kEnvironment,
  kTags,
};
// The column's SQL identifier ("heartbeattime"), a fixed string.
std::string_view AgentColumnName(AgentColumn column);

// ---- The tree. Each node keeps the offset of the text it came from, for messages.

struct TargetLiteral {
  std::variant<std::string, int64_t, double, bool> value;
};

// One step of a JSON path: an object key (`->'os'`) or an array index (`->0`).
using JsonStep = std::variant<std::string, int64_t>;

struct TargetValue;

struct ColumnValue {
  AgentColumn column;
};
// `environment->'a'->>'b'`: the text (or number) at that path in a JSON column; NULL when absent.
struct JsonValue {
  AgentColumn column;  // kEnvironment or kTags
  std::vector<JsonStep> path;
};
// lower(value), upper(value): the same length as their argument, so they cannot build large values.
struct CaseValue {
  bool upper = false;
  std::unique_ptr<TargetValue> argument;
};
// NOW() plus or minus an INTERVAL: the time of evaluation, shifted.
struct NowValue {
  absl::Duration offset;
};

struct TargetValue {
  std::variant<TargetLiteral, ColumnValue, JsonValue, CaseValue, NowValue> value;
  size_t offset = 0;
};

enum class Comparison { kEqual, kNotEqual, kLess, kLessOrEqual, kGreater, kGreaterOrEqual };
std::string_view ComparisonOperator(Comparison comparison);  // "=", "<>", "<", ...

struct TargetCondition;

struct ConstantCondition {
  bool value = true;
};
struct CompareCondition {
  TargetValue left;
  Comparison comparison;
  TargetValue right;
};
// LIKE with MIG's (PostgreSQL's) rules: case-sensitive, '%' and '_' wildcards, '\' escapes the next character.
struct LikeCondition {
  TargetValue value;
  std::string pattern;
  bool case_insensitive = false;  // ILIKE
  bool negated = false;
};
struct InCondition {
  TargetValue value;
  std::vector<TargetLiteral> list;
  bool negated = false;
};
struct IsNullCondition {
  TargetValue value;
  bool negated = false;  // IS NOT NULL
};
struct LogicalCondition {
  bool is_and = true;                     // AND, else OR
  std::vector<TargetCondition> operands;  // at least two
};
struct NotCondition {
  std::unique_ptr<TargetCondition> operand;
};

struct TargetCondition {
  std::variant<ConstantCondition, CompareCondition, LikeCondition, InCondition, IsNullCondition, LogicalCondition,
               NotCondition>
      condition;
  size_t offset = 0;
};

// How much a target may ask for. Every bound is checked while parsing, and the message names the offset.
struct TargetGrammarLimits {
  size_t max_bytes = 64 << 10;  // as action::kMaxTarget
  int max_depth = 24;           // nested parentheses, NOTs and function calls
  int max_nodes = 8192;         // conditions, values and list items
  int max_list_items = 4096;    // in one IN list
  // Values a row's evaluation may hold at once, each up to the largest value stored (an agent's environment,
  // up to a heartbeat's 1 MiB): a column read counts 1, a JSON read 2 (the document and the value taken
  // from it), lower(), upper() and ILIKE 1 each. This bounds the memory, and the copying, of one row.
  int max_value_copies = 32;
  size_t max_string_bytes = 1024;  // one string literal (agent names, tags, versions are far shorter)
  // All LIKE and ILIKE patterns together: matching costs up to pattern x value length (about 2 ns a byte:
  // 0.25 s for 128 bytes against 1 MiB), and the deadline is checked between rows, not inside one.
  size_t max_pattern_bytes = 128;
  int max_json_path = 8;  // steps in one JSON path
};

struct ParsedTarget {
  TargetCondition root;
  int nodes = 0;
  int value_copies = 0;
  size_t pattern_bytes = 0;
};

// Parses `text`. InvalidArgument "at offset N: ..." (the offset in bytes, with the text there quoted) for
// anything outside the grammar or the limits.
absl::StatusOr<ParsedTarget> ParseTarget(std::string_view text, const TargetGrammarLimits& limits = {});

}  // namespace mig::scheduler

#endif  // MIG_SCHEDULER_TARGET_LANGUAGE_H_
