#include "base/json/writer.h"

#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "base/utf8.h"

namespace mig::json {
namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

}  // namespace

void AppendQuoted(std::string* out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t i = 0;
  while (i < value.size()) {
    unsigned char c = static_cast<unsigned char>(value[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      out->push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    if (c < 0x80) {
      switch (c) {
        case '"':
          out->append("\\\"");
          break;
        case '\\':
          out->append("\\\\");
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        default:
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 0xF]);
      }
      ++i;
      continue;
    }
    size_t len = ValidUtf8SequenceLength(value, i);
    if (len == 0) {
      out->append(kReplacementCharacter);
      ++i;
      continue;
    }
    // U+2028 and U+2029 are valid JSON but break JavaScript consumers; Go escapes them too.
    if (len == 3 && c == 0xE2 && static_cast<unsigned char>(value[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(value[i + 2]) & 0xFE) == 0xA8) {
      out->append(static_cast<unsigned char>(value[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029");
    } else {
      out->append(value.substr(i, len));
    }
    i += len;
  }
  out->push_back('"');
}

std::string ToValidUtf8(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  size_t i = 0;
  while (i < value.size()) {
    size_t len = ValidUtf8SequenceLength(value, i);
    if (len == 0) {
      out.append(kReplacementCharacter);
      ++i;
    } else {
      out.append(value.substr(i, len));
      i += len;
    }
  }
  return out;
}

void JsonWriter::NewlineAndIndent() {
  out_.push_back('\n');
  out_.append(has_elements_.size() * indent_, ' ');
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (has_elements_.empty()) return;
  if (has_elements_.back()) out_.push_back(',');
  has_elements_.back() = true;
  if (indent_ > 0) NewlineAndIndent();
}

void JsonWriter::BeginObject() {
  BeforeValue();
  out_.push_back('{');
  has_elements_.push_back(false);
}

void JsonWriter::EndObject() {
  bool had = has_elements_.back();
  has_elements_.pop_back();
  if (indent_ > 0 && had) NewlineAndIndent();
  out_.push_back('}');
}

void JsonWriter::BeginArray() {
  BeforeValue();
  out_.push_back('[');
  has_elements_.push_back(false);
}

void JsonWriter::EndArray() {
  bool had = has_elements_.back();
  has_elements_.pop_back();
  if (indent_ > 0 && had) NewlineAndIndent();
  out_.push_back(']');
}

void JsonWriter::Key(std::string_view key) {
  BeforeValue();
  AppendQuoted(&out_, key);
  out_.append(indent_ > 0 ? ": " : ":");
  after_key_ = true;
}

void JsonWriter::String(std::string_view value) {
  BeforeValue();
  AppendQuoted(&out_, value);
}

void JsonWriter::Bool(bool value) {
  BeforeValue();
  out_.append(value ? "true" : "false");
}

void JsonWriter::Null() {
  BeforeValue();
  out_.append("null");
}

void JsonWriter::Int(int64_t value) {
  BeforeValue();
  absl::StrAppend(&out_, value);
}

void JsonWriter::Uint(uint64_t value) {
  BeforeValue();
  absl::StrAppend(&out_, value);
}

void JsonWriter::Double(double value) {
  BeforeValue();
  if (!std::isfinite(value)) {
    // JSON has no NaN or infinity; Go refuses to marshal them. Null is the honest stand-in.
    out_.append("null");
    return;
  }
  if (value == std::trunc(value) && std::fabs(value) < 1e21) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.0f", value);
    out_.append(buf);
    return;
  }
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", value);
  // Prefer the shortest representation that round-trips.
  for (int precision = 1; precision <= 17; ++precision) {
    char candidate[40];
    std::snprintf(candidate, sizeof(candidate), "%.*g", precision, value);
    if (std::strtod(candidate, nullptr) == value) {
      out_.append(candidate);
      return;
    }
  }
  out_.append(buf);
}

void JsonWriter::Raw(std::string_view json) {
  BeforeValue();
  if (indent_ == 0) {
    out_.append(json);
    return;
  }
  // Re-indent compact JSON at the current depth, the way the writer would have written it. Whitespace
  // outside strings is dropped and re-created; strings are copied byte for byte.
  size_t depth = has_elements_.size();
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      out_.push_back(c);
      if (c == '\\' && i + 1 < json.size()) {
        out_.push_back(json[++i]);
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case ' ':
      case '\n':
      case '\r':
      case '\t':
        break;
      case '"':
        in_string = true;
        out_.push_back(c);
        break;
      case '{':
      case '[': {
        out_.push_back(c);
        size_t next = json.find_first_not_of(" \n\r\t", i + 1);
        if (next != std::string_view::npos && (json[next] == '}' || json[next] == ']')) {
          out_.push_back(json[next]);
          i = next;
          break;
        }
        ++depth;
        out_.push_back('\n');
        out_.append(depth * indent_, ' ');
        break;
      }
      case '}':
      case ']':
        if (depth > 0) --depth;
        out_.push_back('\n');
        out_.append(depth * indent_, ' ');
        out_.push_back(c);
        break;
      case ',':
        out_.push_back(',');
        out_.push_back('\n');
        out_.append(depth * indent_, ' ');
        break;
      case ':':
        out_.append(": ");
        break;
      default:
        out_.push_back(c);
    }
  }
}

void JsonWriter::StringArray(const std::vector<std::string>& values) {
  BeginArray();
  for (const std::string& v : values) String(v);
  EndArray();
}

}  // namespace mig::json
