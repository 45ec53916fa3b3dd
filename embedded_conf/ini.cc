#include "embedded_conf/ini.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace mig::conf {
namespace {

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

bool IsName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

// Parses the text after '=': an optional quoted string, or bare text up to a comment.
absl::StatusOr<std::string> ParseValue(std::string_view raw, const std::string& where) {
  std::string out;
  bool quoted = false;
  std::string pending_space;  // bare whitespace, kept only if more value follows
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (!quoted && (c == '#' || c == ';')) break;
    if (c == '"') {
      quoted = !quoted;
      out += pending_space;
      pending_space.clear();
      continue;
    }
    if (c == '\\') {
      if (i + 1 >= raw.size()) return absl::InvalidArgumentError(absl::StrCat(where, ": value ends with '\\'"));
      char e = raw[++i];
      out += pending_space;
      pending_space.clear();
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        default:
          return absl::InvalidArgumentError(absl::StrCat(where, ": unknown escape '\\", std::string(1, e), "'"));
      }
      continue;
    }
    if (!quoted && (c == ' ' || c == '\t')) {
      if (!out.empty()) pending_space += c;
      continue;
    }
    out += pending_space;
    pending_space.clear();
    out += c;
  }
  if (quoted) return absl::InvalidArgumentError(absl::StrCat(where, ": unterminated quote"));
  return out;
}

}  // namespace

absl::StatusOr<IniFile> ParseIni(std::string_view text, std::string_view source) {
  IniFile file;
  std::string section;
  std::string subsection;
  int line_number = 0;
  for (std::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    std::string where = absl::StrCat(source, ":", line_number);
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line[0] == '[') {
      size_t close = line.find(']');
      if (close == std::string_view::npos) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": section header without ']'"));
      }
      std::string_view rest = absl::StripAsciiWhitespace(line.substr(close + 1));
      if (!rest.empty() && rest[0] != '#' && rest[0] != ';') {
        return absl::InvalidArgumentError(absl::StrCat(where, ": unexpected text after section header"));
      }
      std::string_view header = absl::StripAsciiWhitespace(line.substr(1, close - 1));
      size_t quote = header.find('"');
      std::string_view name = absl::StripAsciiWhitespace(header.substr(0, quote));
      if (!IsName(name)) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": invalid section name '", name, "'"));
      }
      section = absl::AsciiStrToLower(name);
      subsection.clear();
      if (quote != std::string_view::npos) {
        std::string_view sub = header.substr(quote);
        if (sub.size() < 2 || sub.back() != '"' || sub.substr(1, sub.size() - 2).find('"') != std::string_view::npos) {
          return absl::InvalidArgumentError(absl::StrCat(where, ": subsection name must be one quoted string"));
        }
        subsection = std::string(sub.substr(1, sub.size() - 2));
        if (subsection.empty()) {
          return absl::InvalidArgumentError(absl::StrCat(where, ": empty subsection name"));
        }
      }
      file.sections.push_back(IniSectionHeader{section, subsection, line_number});
      continue;
    }
    if (section.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": key outside of any [section]"));
    }
    size_t equals = line.find('=');
    std::string_view key = absl::StripAsciiWhitespace(line.substr(0, equals));
    if (!IsName(key)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": invalid key '", key, "'"));
    }
    IniEntry entry;
    entry.section = section;
    entry.subsection = subsection;
    entry.key = absl::AsciiStrToLower(key);
    entry.line = line_number;
    if (equals == std::string_view::npos) {
      // A bare key is a boolean set to true, as in gcfg.
      entry.value = "true";
    } else {
      auto value = ParseValue(line.substr(equals + 1), where);
      if (!value.ok()) return value.status();
      entry.value = *std::move(value);
    }
    file.entries.push_back(std::move(entry));
  }
  return file;
}

std::string QuoteIniValue(std::string_view value) {
  // Bare, a value loses what ParseIni strips from a line's ends (any ASCII space: '\v', '\f' and '\r' as
  // well as ' ') and is cut at a comment or an escape; quoted, only the escapes below are read.
  auto is_space = [](char c) { return absl::ascii_isspace(static_cast<unsigned char>(c)); };
  bool needs_quotes = value.empty() || is_space(value.front()) || is_space(value.back()) ||
                      value.find_first_of("#;\"\\\n\t") != std::string_view::npos;
  if (!needs_quotes) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += c;
    }
  }
  out += '"';
  return out;
}

}  // namespace mig::conf
