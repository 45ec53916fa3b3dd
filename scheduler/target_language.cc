#include "scheduler/target_language.h"

#include <cmath>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "simdjson.h"

namespace mig::scheduler {
namespace {

struct ColumnSpelling {
  std::string_view name;
  AgentColumn column;
};
constexpr ColumnSpelling kColumns[] = {
    {"id", AgentColumn::kId},
    {"name", AgentColumn::kName},
    {"queueloc", AgentColumn::kQueueLoc},
    {"mode", AgentColumn::kMode},
    {"version", AgentColumn::kVersion},
    {"pid", AgentColumn::kPid},
    {"starttime", AgentColumn::kStartTime},
    {"heartbeattime", AgentColumn::kHeartbeatTime},
    {"status", AgentColumn::kStatus},
    {"environment", AgentColumn::kEnvironment},
    {"tags", AgentColumn::kTags},
};

constexpr std::string_view kTableName = "agents";
constexpr std::string_view kFunctions = "lower(), upper() and now()";
constexpr int64_t kMaxJsonIndex = int64_t{1} << 31;
const absl::Duration kMaxInterval = absl::Hours(24 * 36525);  // 100 years

std::string ColumnList() {
  std::vector<std::string_view> names;
  for (const ColumnSpelling& c : kColumns) names.push_back(c.name);
  return absl::StrJoin(names, ", ");
}

// ---- Tokens

// kError stands where the text stopped being lexable: a parse that reaches it reports the lexer's error, one
// that fails earlier its own, so that the error reported is always the first in the text.
enum class TokenKind { kEnd, kError, kWord, kString, kNumber, kSymbol };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  size_t offset = 0;
  size_t length = 0;
};

// Symbols, longest first so that "->>" is not read as "->" then ">".
constexpr std::string_view kSymbols[] = {"->>", "->", "<=", ">=", "<>", "!=", "==", "=",
                                         "<",   ">",  "(",  ")",  ",",  "+",  "-",  "."};

bool IsWordStart(char c) { return absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsWordChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

class Parser {
 public:
  Parser(std::string_view text, const TargetGrammarLimits& limits) : text_(text), limits_(limits) {}

  absl::StatusOr<ParsedTarget> Parse() {
    if (text_.size() > limits_.max_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("the target is ", text_.size(), " bytes, more than the limit of ", limits_.max_bytes));
    }
    Tokenize();
    if (tokens_.front().kind == TokenKind::kEnd) {
      return absl::InvalidArgumentError("the target is empty (status='online' selects every online agent)");
    }
    ParsedTarget target;
    MIG_ASSIGN_OR_RETURN(target.root, ParseOr(0));
    const Token& end = Peek();
    if (end.kind == TokenKind::kError) return *lex_error_;
    if (end.kind != TokenKind::kEnd) {
      if (IsSymbol(end, ")")) return Fail(end.offset, "this ')' closes no '('");
      return Fail(end.offset, absl::StrCat("expected AND, OR or the end of the target, found ", Describe(end)));
    }
    target.nodes = nodes_;
    target.value_copies = value_copies_;
    target.pattern_bytes = pattern_bytes_;
    return target;
  }

 private:
  // ---- Errors: the offset, what is wrong, and the text there (escaped: it may hold anything).

  absl::Status Fail(size_t offset, std::string_view why) const {
    if (lex_error_.has_value() && offset >= tokens_.back().offset) return *lex_error_;
    std::string near;
    if (offset < text_.size()) {
      near = absl::StrCat(" (near \"", absl::CHexEscape(text_.substr(offset, 32)), "\")");
    }
    return absl::InvalidArgumentError(absl::StrCat("at offset ", offset, ": ", why, near));
  }

  std::string_view TextOf(const Token& token) const { return text_.substr(token.offset, token.length); }

  std::string Describe(const Token& token) const {
    switch (token.kind) {
      case TokenKind::kEnd:
      case TokenKind::kError:
        return "the end of the target";
      case TokenKind::kString:
        return "a string";
      case TokenKind::kNumber:
        return absl::StrCat("the number ", TextOf(token));
      case TokenKind::kWord:
      case TokenKind::kSymbol:
        return absl::StrCat("'", TextOf(token), "'");
    }
    return "?";
  }

  // ---- Lexing: the whole text at once, up to the first byte that cannot be lexed (a kError token there).

  void Tokenize() {
    absl::Status status = Lex();
    if (status.ok()) {
      tokens_.push_back({TokenKind::kEnd, text_.size(), 0});
    } else {
      lex_error_ = status;
      tokens_.push_back({TokenKind::kError, lex_error_offset_, 0});
    }
  }

  // Lexing errors go through LexFail, which records where the text stops.
  absl::Status LexFail(size_t offset, std::string_view why) {
    lex_error_offset_ = offset;
    return Fail(offset, why);
  }

  absl::Status Lex() {
    size_t i = 0;
    while (i < text_.size()) {
      char c = text_[i];
      unsigned char byte = static_cast<unsigned char>(c);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++i;
        continue;
      }
      MIG_RETURN_IF_ERROR(CheckControl(i));
      if (byte >= 0x80) {
        return LexFail(i, absl::StrCat("unexpected byte 0x", absl::Hex(byte, absl::kZeroPad2),
                                       ": text other than ASCII belongs in a quoted string"));
      }
      size_t start = i;
      if (c == '\'') {
        MIG_ASSIGN_OR_RETURN(i, ScanString(i));
        tokens_.push_back({TokenKind::kString, start, i - start});
        continue;
      }
      if (IsDigit(c)) {
        i = ScanNumber(i);
        tokens_.push_back({TokenKind::kNumber, start, i - start});
        continue;
      }
      if (IsWordStart(c)) {
        while (i < text_.size() && IsWordChar(text_[i])) ++i;
        tokens_.push_back({TokenKind::kWord, start, i - start});
        continue;
      }
      std::string_view rest = text_.substr(i);
      if (absl::StartsWith(rest, "--") || absl::StartsWith(rest, "/*")) {
        return LexFail(i, "comments are not part of the target language");
      }
      if (c == ';') return LexFail(i, "a target is one condition: ';' is not allowed");
      if (c == '"') return LexFail(i, "double quotes are not part of the target language (strings take single quotes)");
      bool matched = false;
      for (std::string_view symbol : kSymbols) {
        if (absl::StartsWith(rest, symbol)) {
          tokens_.push_back({TokenKind::kSymbol, i, symbol.size()});
          i += symbol.size();
          matched = true;
          break;
        }
      }
      if (!matched) return LexFail(i, absl::StrCat("unexpected character '", std::string_view(&text_[i], 1), "'"));
    }
    return absl::OkStatus();
  }

  // Control bytes are refused everywhere, in strings too: a target is shown to people and written to logs.
  absl::Status CheckControl(size_t i) {
    unsigned char byte = static_cast<unsigned char>(text_[i]);
    if (byte == 0) return LexFail(i, "a NUL byte is not allowed");
    if (byte < 0x20 || byte == 0x7f) {
      return LexFail(i, absl::StrCat("control character 0x", absl::Hex(byte, absl::kZeroPad2), " is not allowed"));
    }
    return absl::OkStatus();
  }

  // A '...' string from its opening quote; returns the offset after its closing quote.
  absl::StatusOr<size_t> ScanString(size_t start) {
    size_t length = 0;
    for (size_t i = start + 1; i < text_.size(); ++i) {
      if (text_[i] == '\'') {
        if (i + 1 < text_.size() && text_[i + 1] == '\'') {  // '' is one quote
          ++i;
          ++length;
          continue;
        }
        if (length > limits_.max_string_bytes) {
          return LexFail(start, absl::StrCat("the string is ", length, " bytes, more than the limit of ",
                                             limits_.max_string_bytes));
        }
        std::string_view content = text_.substr(start + 1, i - start - 1);
        if (!simdjson::validate_utf8(content.data(), content.size())) {
          return LexFail(start, "the string is not valid UTF-8");
        }
        return i + 1;
      }
      MIG_RETURN_IF_ERROR(CheckControl(i));
      ++length;
    }
    return LexFail(start, "this string has no closing quote");
  }

  size_t ScanNumber(size_t i) {
    auto digits = [&] {
      while (i < text_.size() && IsDigit(text_[i])) ++i;
    };
    digits();
    if (i + 1 < text_.size() && text_[i] == '.' && IsDigit(text_[i + 1])) {
      ++i;
      digits();
    }
    if (i < text_.size() && (text_[i] == 'e' || text_[i] == 'E')) {
      size_t exponent = i + 1;
      if (exponent < text_.size() && (text_[exponent] == '+' || text_[exponent] == '-')) ++exponent;
      if (exponent < text_.size() && IsDigit(text_[exponent])) {
        i = exponent;
        digits();
      }
    }
    return i;
  }

  // The content of a string token, its quotes undone.
  std::string StringValue(const Token& token) const {
    std::string_view raw = TextOf(token).substr(1, token.length - 2);
    return absl::StrReplaceAll(raw, {{"''", "'"}});
  }

  // ---- Token stream

  const Token& Peek() const { return tokens_[position_]; }
  const Token& Next() {
    const Token& token = tokens_[position_];
    if (position_ + 1 < tokens_.size()) ++position_;
    return token;
  }
  bool IsSymbol(const Token& token, std::string_view symbol) const {
    return token.kind == TokenKind::kSymbol && TextOf(token) == symbol;
  }
  bool IsKeyword(const Token& token, std::string_view keyword) const {
    return token.kind == TokenKind::kWord && absl::EqualsIgnoreCase(TextOf(token), keyword);
  }
  bool AcceptKeyword(std::string_view keyword) {
    if (!IsKeyword(Peek(), keyword)) return false;
    Next();
    return true;
  }
  bool AcceptSymbol(std::string_view symbol) {
    if (!IsSymbol(Peek(), symbol)) return false;
    Next();
    return true;
  }
  absl::Status ExpectSymbol(std::string_view symbol, std::string_view context) {
    if (AcceptSymbol(symbol)) return absl::OkStatus();
    return Fail(Peek().offset, absl::StrCat("expected '", symbol, "' ", context, ", found ", Describe(Peek())));
  }

  // ---- Limits

  absl::Status CountNode(size_t offset) {
    if (++nodes_ > limits_.max_nodes) {
      return Fail(offset, absl::StrCat("the target has more than ", limits_.max_nodes, " parts"));
    }
    return absl::OkStatus();
  }
  absl::Status CountCopies(size_t offset, int copies) {
    value_copies_ += copies;
    if (value_copies_ > limits_.max_value_copies) {
      return Fail(offset, absl::StrCat("the target reads or copies values more than ", limits_.max_value_copies,
                                       " times (a column counts 1, a JSON path 2, lower(), upper() and ILIKE 1)"));
    }
    return absl::OkStatus();
  }
  absl::Status Deeper(int depth, size_t offset) const {
    if (depth >= limits_.max_depth) {
      return Fail(offset, absl::StrCat("the target nests deeper than ", limits_.max_depth, " levels"));
    }
    return absl::OkStatus();
  }

  // ---- Conditions

  absl::StatusOr<TargetCondition> ParseOr(int depth) { return ParseLogical(depth, /*is_and=*/false); }

  // or := and { OR and };  and := not { AND not }. Chains are loops, not recursion: only parentheses, NOT
  // and function calls nest.
  absl::StatusOr<TargetCondition> ParseLogical(int depth, bool is_and) {
    size_t offset = Peek().offset;
    auto operand = [&]() -> absl::StatusOr<TargetCondition> {
      return is_and ? ParseNot(depth) : ParseLogical(depth, /*is_and=*/true);
    };
    MIG_ASSIGN_OR_RETURN(TargetCondition first, operand());
    std::string_view keyword = is_and ? "AND" : "OR";
    if (!IsKeyword(Peek(), keyword)) return first;
    LogicalCondition logical{.is_and = is_and};
    logical.operands.push_back(std::move(first));
    while (AcceptKeyword(keyword)) {
      MIG_ASSIGN_OR_RETURN(TargetCondition next, operand());
      logical.operands.push_back(std::move(next));
    }
    MIG_RETURN_IF_ERROR(CountNode(offset));
    return TargetCondition{.condition = std::move(logical), .offset = offset};
  }

  absl::StatusOr<TargetCondition> ParseNot(int depth) {
    const Token& token = Peek();
    size_t offset = token.offset;
    if (IsKeyword(token, "NOT")) {
      MIG_RETURN_IF_ERROR(Deeper(depth, offset));
      Next();
      MIG_RETURN_IF_ERROR(CountNode(offset));
      MIG_ASSIGN_OR_RETURN(TargetCondition operand, ParseNot(depth + 1));
      return TargetCondition{
          .condition = NotCondition{.operand = std::make_unique<TargetCondition>(std::move(operand))},
          .offset = offset};
    }
    if (IsSymbol(token, "(")) {
      MIG_RETURN_IF_ERROR(Deeper(depth, offset));
      Next();
      MIG_ASSIGN_OR_RETURN(TargetCondition inner, ParseOr(depth + 1));
      if (!AcceptSymbol(")")) {
        return Fail(Peek().offset,
                    absl::StrCat("expected ')' to close the '(' at offset ", offset, ", found ", Describe(Peek())));
      }
      return inner;
    }
    if (token.kind == TokenKind::kEnd) return Fail(offset, "expected a condition, found the end of the target");
    MIG_ASSIGN_OR_RETURN(TargetValue value, ParseValue(depth));
    return ParseTail(std::move(value), depth);
  }

  // What follows a value: a comparison, [NOT] LIKE/ILIKE/IN, IS [NOT] NULL; or nothing after TRUE/FALSE.
  absl::StatusOr<TargetCondition> ParseTail(TargetValue value, int depth) {
    const Token& token = Peek();
    size_t offset = value.offset;
    MIG_RETURN_IF_ERROR(CountNode(offset));
    struct OperatorSpelling {
      std::string_view symbol;
      Comparison comparison;
    };
    static constexpr OperatorSpelling kOperators[] = {
        {"=", Comparison::kEqual},     {"==", Comparison::kEqual},         {"!=", Comparison::kNotEqual},
        {"<>", Comparison::kNotEqual}, {"<", Comparison::kLess},           {"<=", Comparison::kLessOrEqual},
        {">", Comparison::kGreater},   {">=", Comparison::kGreaterOrEqual}};
    for (const OperatorSpelling& op : kOperators) {
      if (!IsSymbol(token, op.symbol)) continue;
      Next();
      if (Peek().kind == TokenKind::kEnd || IsSymbol(Peek(), ")") || IsKeyword(Peek(), "AND") ||
          IsKeyword(Peek(), "OR")) {
        return Fail(Peek().offset, absl::StrCat("expected a value after '", op.symbol, "', found ", Describe(Peek())));
      }
      MIG_ASSIGN_OR_RETURN(TargetValue right, ParseValue(depth));
      return TargetCondition{
          .condition =
              CompareCondition{.left = std::move(value), .comparison = op.comparison, .right = std::move(right)},
          .offset = offset};
    }
    bool negated = AcceptKeyword("NOT");
    if (IsKeyword(Peek(), "LIKE") || IsKeyword(Peek(), "ILIKE")) {
      bool case_insensitive = IsKeyword(Next(), "ILIKE");
      if (case_insensitive) MIG_RETURN_IF_ERROR(CountCopies(offset, 1));  // lower(value)
      MIG_ASSIGN_OR_RETURN(std::string pattern, ParsePattern());
      return TargetCondition{.condition = LikeCondition{.value = std::move(value),
                                                        .pattern = std::move(pattern),
                                                        .case_insensitive = case_insensitive,
                                                        .negated = negated},
                             .offset = offset};
    }
    if (AcceptKeyword("IN")) {
      MIG_ASSIGN_OR_RETURN(std::vector<TargetLiteral> list, ParseList());
      return TargetCondition{
          .condition = InCondition{.value = std::move(value), .list = std::move(list), .negated = negated},
          .offset = offset};
    }
    if (negated) {
      return Fail(Peek().offset, absl::StrCat("expected LIKE, ILIKE or IN after NOT, found ", Describe(Peek())));
    }
    if (AcceptKeyword("IS")) {
      bool is_not = AcceptKeyword("NOT");
      if (!AcceptKeyword("NULL")) {
        return Fail(Peek().offset,
                    absl::StrCat("expected NULL after IS", is_not ? " NOT" : "", ", found ", Describe(Peek())));
      }
      return TargetCondition{.condition = IsNullCondition{.value = std::move(value), .negated = is_not},
                             .offset = offset};
    }
    // TRUE and FALSE alone are conditions.
    if (const auto* literal = std::get_if<TargetLiteral>(&value.value)) {
      if (const bool* constant = std::get_if<bool>(&literal->value)) {
        return TargetCondition{.condition = ConstantCondition{.value = *constant}, .offset = offset};
      }
    }
    if (IsKeyword(token, "BETWEEN")) return Fail(token.offset, "BETWEEN is not supported: use >= ... AND <= ...");
    return Fail(token.offset,
                absl::StrCat("expected a comparison (= != < <= > >= LIKE ILIKE IN IS NULL) after the value at offset ",
                             offset, ", found ", Describe(token)));
  }

  // A LIKE pattern: a string literal, bounded, whose '\' escapes are complete.
  absl::StatusOr<std::string> ParsePattern() {
    const Token& token = Next();
    if (token.kind != TokenKind::kString) {
      return Fail(token.offset, absl::StrCat("LIKE takes a quoted pattern, found ", Describe(token)));
    }
    std::string pattern = StringValue(token);
    pattern_bytes_ += pattern.size();
    if (pattern_bytes_ > limits_.max_pattern_bytes) {
      return Fail(token.offset, absl::StrCat("the LIKE patterns take ", pattern_bytes_,
                                             " bytes together, more than the limit of ", limits_.max_pattern_bytes));
    }
    bool escaped = false;
    for (char c : pattern) escaped = !escaped && c == '\\';
    if (escaped) return Fail(token.offset, "the pattern ends with the escape character '\\'");
    return pattern;
  }

  // '(' literal { ',' literal } ')'
  absl::StatusOr<std::vector<TargetLiteral>> ParseList() {
    size_t open = Peek().offset;
    MIG_RETURN_IF_ERROR(ExpectSymbol("(", "after IN"));
    std::vector<TargetLiteral> list;
    do {
      const Token& token = Peek();
      if (IsKeyword(token, "SELECT") || IsKeyword(token, "WITH") || IsKeyword(token, "VALUES")) {
        return Fail(token.offset, "an IN list holds literals: a target cannot hold a query");
      }
      if (static_cast<int>(list.size()) >= limits_.max_list_items) {
        return Fail(token.offset,
                    absl::StrCat("the IN list at offset ", open, " has more than ", limits_.max_list_items, " values"));
      }
      MIG_RETURN_IF_ERROR(CountNode(token.offset));
      MIG_ASSIGN_OR_RETURN(TargetLiteral literal,
                           ParseLiteral("an IN list holds literals (strings, numbers, TRUE, FALSE)"));
      list.push_back(std::move(literal));
    } while (AcceptSymbol(","));
    MIG_RETURN_IF_ERROR(ExpectSymbol(")", absl::StrCat("to close the IN list at offset ", open)));
    return list;
  }

  // string | [-] number | TRUE | FALSE
  absl::StatusOr<TargetLiteral> ParseLiteral(std::string_view what_is_expected) {
    const Token& token = Peek();
    if (token.kind == TokenKind::kString) {
      Next();
      return TargetLiteral{StringValue(token)};
    }
    if (IsKeyword(token, "TRUE") || IsKeyword(token, "FALSE")) {
      Next();
      return TargetLiteral{IsKeyword(token, "TRUE")};
    }
    bool negative = IsSymbol(token, "-");
    const Token& number = negative ? tokens_[position_ + 1] : token;
    if (number.kind != TokenKind::kNumber) {
      return Fail(token.offset, absl::StrCat(what_is_expected, ", found ", Describe(token)));
    }
    Next();
    if (negative) Next();
    std::string text = absl::StrCat(negative ? "-" : "", TextOf(number));
    if (text.find_first_of(".eE") == std::string::npos) {
      int64_t integer = 0;
      if (!absl::SimpleAtoi(text, &integer)) {
        return Fail(token.offset, absl::StrCat("the number ", text, " is out of range (integers are 64-bit)"));
      }
      return TargetLiteral{integer};
    }
    double real = 0;
    if (!absl::SimpleAtod(text, &real) || !std::isfinite(real)) {
      return Fail(token.offset, absl::StrCat("the number ", text, " is out of range"));
    }
    return TargetLiteral{real};
  }

  // ---- Values

  absl::StatusOr<TargetValue> ParseValue(int depth) {
    const Token& token = Peek();
    size_t offset = token.offset;
    MIG_RETURN_IF_ERROR(CountNode(offset));
    if (token.kind != TokenKind::kWord || IsKeyword(token, "TRUE") || IsKeyword(token, "FALSE")) {
      MIG_ASSIGN_OR_RETURN(TargetLiteral literal,
                           ParseLiteral("expected a value (a column, a string, a number, TRUE, FALSE or a function)"));
      return TargetValue{.value = std::move(literal), .offset = offset};
    }
    if (IsKeyword(token, "NULL")) {
      return Fail(offset, "NULL is no value to compare with: test for it with IS NULL or IS NOT NULL");
    }
    for (std::string_view query_word : {"SELECT", "UNION", "WITH", "VALUES", "FROM", "WHERE"}) {
      if (IsKeyword(token, query_word)) {
        return Fail(offset, "a target is a condition on the agents table, not a query");
      }
    }
    for (std::string_view keyword : {"AND", "OR", "NOT", "LIKE", "ILIKE", "IN", "IS", "BETWEEN", "INTERVAL"}) {
      if (IsKeyword(token, keyword)) return Fail(offset, absl::StrCat("expected a value, found ", Describe(token)));
    }
    Next();
    if (IsSymbol(Peek(), "(")) return ParseFunction(token, depth);
    std::string_view name = TextOf(token);
    if (IsSymbol(Peek(), ".")) {  // agents.name, as MIG's examples write it
      Next();
      const Token& column = Peek();
      if (!absl::EqualsIgnoreCase(name, kTableName) || column.kind != TokenKind::kWord) {
        return Fail(offset, absl::StrCat("a target reads the agents table only (", kTableName, ".<column>)"));
      }
      Next();
      name = TextOf(column);
    }
    const ColumnSpelling* spelling = nullptr;
    for (const ColumnSpelling& c : kColumns) {
      if (absl::EqualsIgnoreCase(c.name, name)) spelling = &c;
    }
    if (spelling == nullptr) {
      return Fail(offset, absl::StrCat("unknown column '", name, "' (the agents table has ", ColumnList(), ")"));
    }
    bool is_json = IsSymbol(Peek(), "->") || IsSymbol(Peek(), "->>");
    MIG_RETURN_IF_ERROR(CountCopies(offset, is_json ? 2 : 1));
    if (!is_json) return TargetValue{.value = ColumnValue{spelling->column}, .offset = offset};
    if (spelling->column != AgentColumn::kEnvironment && spelling->column != AgentColumn::kTags) {
      return Fail(Peek().offset, absl::StrCat("only environment and tags hold JSON, not ", spelling->name));
    }
    JsonValue json{.column = spelling->column};
    while (true) {
      const Token& arrow = Next();
      bool last = IsSymbol(arrow, "->>");
      if (static_cast<int>(json.path.size()) >= limits_.max_json_path) {
        return Fail(arrow.offset, absl::StrCat("a JSON path has at most ", limits_.max_json_path, " steps"));
      }
      MIG_ASSIGN_OR_RETURN(JsonStep step, ParseJsonStep(arrow));
      json.path.push_back(std::move(step));
      if (last) {
        if (IsSymbol(Peek(), "->") || IsSymbol(Peek(), "->>")) {
          return Fail(Peek().offset, "'->>' gives text: it must be the last step of a JSON path");
        }
        break;
      }
      if (!IsSymbol(Peek(), "->") && !IsSymbol(Peek(), "->>")) {
        return Fail(arrow.offset, "'->' gives JSON: end the path with '->>' to compare its text");
      }
    }
    return TargetValue{.value = std::move(json), .offset = offset};
  }

  // After -> or ->>: a key ('os') or an array index (0).
  absl::StatusOr<JsonStep> ParseJsonStep(const Token& arrow) {
    const Token& token = Next();
    if (token.kind == TokenKind::kString) {
      std::string key = StringValue(token);
      // SQLite's JSON paths quote keys with '"' and have no escape for it.
      if (key.empty() || key.find('"') != std::string::npos) {
        return Fail(token.offset, "a JSON key must be non-empty and hold no '\"'");
      }
      return JsonStep{std::move(key)};
    }
    int64_t index = 0;
    if (token.kind == TokenKind::kNumber && absl::SimpleAtoi(TextOf(token), &index) && index < kMaxJsonIndex) {
      return JsonStep{index};
    }
    return Fail(token.offset, absl::StrCat("expected a key ('os') or an array index (0) after '", TextOf(arrow),
                                           "', found ", Describe(token)));
  }

  // lower(value) | upper(value) | now() [+|- INTERVAL '...']; the '(' is next.
  absl::StatusOr<TargetValue> ParseFunction(const Token& name, int depth) {
    size_t offset = name.offset;
    bool is_lower = IsKeyword(name, "lower");
    if (is_lower || IsKeyword(name, "upper")) {
      MIG_RETURN_IF_ERROR(Deeper(depth, offset));
      MIG_RETURN_IF_ERROR(CountCopies(offset, 1));
      Next();  // (
      MIG_ASSIGN_OR_RETURN(TargetValue argument, ParseValue(depth + 1));
      MIG_RETURN_IF_ERROR(ExpectSymbol(")", absl::StrCat("to close ", TextOf(name), "(")));
      return TargetValue{
          .value = CaseValue{.upper = !is_lower, .argument = std::make_unique<TargetValue>(std::move(argument))},
          .offset = offset};
    }
    if (IsKeyword(name, "now")) {
      Next();  // (
      MIG_RETURN_IF_ERROR(ExpectSymbol(")", "after now("));
      NowValue now{.offset = absl::ZeroDuration()};
      if (IsSymbol(Peek(), "+") || IsSymbol(Peek(), "-")) {
        bool minus = IsSymbol(Next(), "-");
        if (!AcceptKeyword("INTERVAL")) {
          return Fail(Peek().offset,
                      absl::StrCat("now() can only be shifted by an INTERVAL ('30 days'), found ", Describe(Peek())));
        }
        MIG_ASSIGN_OR_RETURN(absl::Duration interval, ParseInterval());
        now.offset = minus ? -interval : interval;
      }
      return TargetValue{.value = now, .offset = offset};
    }
    return Fail(offset, absl::StrCat("unknown function ", TextOf(name), "() (a target may call ", kFunctions, ")"));
  }

  // '<count> <unit>': '30 days', '1 hour'.
  absl::StatusOr<absl::Duration> ParseInterval() {
    const Token& token = Next();
    auto bad = [&] {
      return Fail(token.offset,
                  "an INTERVAL is a quoted count and unit: '90 seconds', '30 minutes', '2 hours', '7 days', '1 week'");
    };
    if (token.kind != TokenKind::kString) return bad();
    std::vector<std::string_view> parts =
        absl::StrSplit(absl::StripAsciiWhitespace(TextOf(token).substr(1, token.length - 2)), ' ', absl::SkipEmpty());
    int64_t count = 0;
    if (parts.size() != 2 || parts[0].size() > 9 || !absl::SimpleAtoi(parts[0], &count) || count < 0) return bad();
    struct Unit {
      std::string_view name;
      absl::Duration length;
    };
    static const Unit kUnits[] = {{"second", absl::Seconds(1)},
                                  {"minute", absl::Minutes(1)},
                                  {"hour", absl::Hours(1)},
                                  {"day", absl::Hours(24)},
                                  {"week", absl::Hours(24 * 7)}};
    std::string_view unit = parts[1];
    if (unit.size() > 1 && (unit.back() == 's' || unit.back() == 'S')) unit.remove_suffix(1);
    for (const Unit& u : kUnits) {
      if (!absl::EqualsIgnoreCase(unit, u.name)) continue;
      absl::Duration interval = count * u.length;
      if (interval > kMaxInterval) return Fail(token.offset, "the INTERVAL is longer than 100 years");
      return interval;
    }
    return bad();
  }

  std::string_view text_;
  const TargetGrammarLimits& limits_;
  std::vector<Token> tokens_;  // ending with kEnd, or kError where lexing stopped
  std::optional<absl::Status> lex_error_;
  size_t lex_error_offset_ = 0;
  size_t position_ = 0;
  int nodes_ = 0;
  int value_copies_ = 0;
  size_t pattern_bytes_ = 0;
};

}  // namespace

std::string_view AgentColumnName(AgentColumn column) {
  for (const ColumnSpelling& c : kColumns) {
    if (c.column == column) return c.name;
  }
  return "id";  // unreachable: every enumerator is in kColumns
}

std::string_view ComparisonOperator(Comparison comparison) {
  switch (comparison) {
    case Comparison::kEqual:
      return "=";
    case Comparison::kNotEqual:
      return "<>";
    case Comparison::kLess:
      return "<";
    case Comparison::kLessOrEqual:
      return "<=";
    case Comparison::kGreater:
      return ">";
    case Comparison::kGreaterOrEqual:
      return ">=";
  }
  return "=";
}

absl::StatusOr<ParsedTarget> ParseTarget(std::string_view text, const TargetGrammarLimits& limits) {
  return Parser(text, limits).Parse();
}

}  // namespace mig::scheduler
