#include "scheduler/target_sql.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace mig::scheduler {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// SQLite's JSON path for the steps: $."key"[0]."other". Keys hold no '"' (the grammar refuses it).
std::string JsonPath(const std::vector<JsonStep>& path) {
  std::string text = "$";
  for (const JsonStep& step : path) {
    std::visit(Overloaded{[&](const std::string& key) { absl::StrAppend(&text, ".\"", key, "\""); },
                          [&](int64_t index) { absl::StrAppend(&text, "[", index, "]"); }},
               step);
  }
  return text;
}

class SqliteRenderer {
 public:
  explicit SqliteRenderer(absl::Time now) : now_(now) {}

  SqlCondition Take() && { return std::move(out_); }

  void Condition(const TargetCondition& node) {
    std::visit(Overloaded{
                   [&](const ConstantCondition& c) { Emit(c.value ? "TRUE" : "FALSE"); },
                   [&](const CompareCondition& c) {
                     Value(c.left);
                     Emit(" ", ComparisonOperator(c.comparison), " ");
                     Value(c.right);
                   },
                   [&](const LikeCondition& c) {
                     if (c.case_insensitive) {
                       Emit("lower(");
                       Value(c.value);
                       Emit(")");
                     } else {
                       Value(c.value);
                     }
                     Emit(c.negated ? " NOT LIKE " : " LIKE ");
                     Bind(c.case_insensitive ? absl::AsciiStrToLower(c.pattern) : c.pattern);
                     Emit(" ESCAPE '\\'");  // PostgreSQL's default escape, which MIG's patterns were written for
                   },
                   [&](const InCondition& c) {
                     Value(c.value);
                     Emit(c.negated ? " NOT IN (" : " IN (");
                     for (size_t i = 0; i < c.list.size(); ++i) {
                       if (i > 0) Emit(", ");
                       Literal(c.list[i]);
                     }
                     Emit(")");
                   },
                   [&](const IsNullCondition& c) {
                     Value(c.value);
                     Emit(c.negated ? " IS NOT NULL" : " IS NULL");
                   },
                   [&](const LogicalCondition& c) { Balanced(c, 0, c.operands.size()); },
                   [&](const NotCondition& c) {
                     Emit("(NOT ");
                     Condition(*c.operand);
                     Emit(")");
                   },
               },
               node.condition);
  }

 private:
  // operands[begin, end) joined by AND or OR, halves in parentheses.
  void Balanced(const LogicalCondition& logical, size_t begin, size_t end) {
    if (end - begin == 1) {
      Condition(logical.operands[begin]);
      return;
    }
    size_t middle = begin + (end - begin) / 2;
    Emit("(");
    Balanced(logical, begin, middle);
    Emit(logical.is_and ? " AND " : " OR ");
    Balanced(logical, middle, end);
    Emit(")");
  }

  void Value(const TargetValue& node) {
    std::visit(Overloaded{
                   [&](const TargetLiteral& v) { Literal(v); },
                   [&](const ColumnValue& v) { Emit(AgentColumnName(v.column)); },
                   [&](const JsonValue& v) {
                     Emit("json_extract(", AgentColumnName(v.column), ", ");
                     Bind(JsonPath(v.path));
                     Emit(")");
                   },
                   [&](const CaseValue& v) {
                     Emit(v.upper ? "upper(" : "lower(");
                     Value(*v.argument);
                     Emit(")");
                   },
                   [&](const NowValue& v) { Bind(SqliteTime(now_ + v.offset)); },
               },
               node.value);
  }

  void Literal(const TargetLiteral& literal) {
    std::visit(Overloaded{[&](const std::string& s) { Bind(s); }, [&](int64_t i) { Bind(i); },
                          [&](double d) { Bind(d); }, [&](bool b) { Emit(b ? "TRUE" : "FALSE"); }},
               literal.value);
  }

  template <typename... Parts>
  void Emit(const Parts&... parts) {
    absl::StrAppend(&out_.sql, parts...);
  }
  void Bind(SqlParameter value) {
    out_.sql.push_back('?');
    out_.parameters.push_back(std::move(value));
  }

  absl::Time now_;
  SqlCondition out_;
};

}  // namespace

SqlCondition RenderSqlite(const TargetCondition& condition, absl::Time now) {
  SqliteRenderer renderer(now);
  renderer.Condition(condition);
  return std::move(renderer).Take();
}

std::string SqliteTime(absl::Time time) { return absl::FormatTime("%Y-%m-%d %H:%M:%S", time, absl::UTCTimeZone()); }

}  // namespace mig::scheduler
