#include "protocol/action/canonical.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/json/reader.h"

namespace mig::action {
namespace {

void AppendCanonicalDouble(std::string* out, double value) {
  if (std::trunc(value) == value && std::fabs(value) < 9007199254740992.0) {
    absl::StrAppend(out, static_cast<int64_t>(value));
    return;
  }
  char buf[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, value);
    if (std::strtod(buf, nullptr) == value) break;
  }
  out->append(buf);
}

absl::Status Append(std::string* out, simdjson::dom::element value, const std::string& path) {
  switch (value.type()) {
    case simdjson::dom::element_type::OBJECT: {
      std::vector<std::pair<std::string_view, simdjson::dom::element>> fields;
      // A named object: value_unsafe() of a temporary result would leave the loop iterating a dead object.
      simdjson::dom::object object = value.get_object().value_unsafe();
      for (simdjson::dom::key_value_pair field : object) fields.emplace_back(field.key, field.value);
      std::sort(fields.begin(), fields.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      out->push_back('{');
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i > 0 && fields[i].first == fields[i - 1].first) {
          return absl::InvalidArgumentError(
              absl::StrCat(json::ChildPath(path, fields[i].first), ": the key appears more than once"));
        }
        if (i > 0) out->push_back(',');
        AppendCanonicalString(out, fields[i].first);
        out->push_back(':');
        absl::Status status = Append(out, fields[i].second, json::ChildPath(path, fields[i].first));
        if (!status.ok()) return status;
      }
      out->push_back('}');
      return absl::OkStatus();
    }
    case simdjson::dom::element_type::ARRAY: {
      out->push_back('[');
      size_t index = 0;
      simdjson::dom::array array = value.get_array().value_unsafe();
      for (simdjson::dom::element item : array) {
        if (index > 0) out->push_back(',');
        absl::Status status = Append(out, item, json::IndexPath(path, index));
        if (!status.ok()) return status;
        ++index;
      }
      out->push_back(']');
      return absl::OkStatus();
    }
    case simdjson::dom::element_type::STRING:
      AppendCanonicalString(out, std::string_view(value.get_string().value_unsafe()));
      return absl::OkStatus();
    case simdjson::dom::element_type::INT64:
      absl::StrAppend(out, value.get_int64().value_unsafe());
      return absl::OkStatus();
    case simdjson::dom::element_type::UINT64:
      absl::StrAppend(out, value.get_uint64().value_unsafe());
      return absl::OkStatus();
    case simdjson::dom::element_type::DOUBLE:
      AppendCanonicalDouble(out, value.get_double().value_unsafe());
      return absl::OkStatus();
    case simdjson::dom::element_type::BOOL:
      out->append(value.get_bool().value_unsafe() ? "true" : "false");
      return absl::OkStatus();
    case simdjson::dom::element_type::NULL_VALUE:
      out->append("null");
      return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(path, ": unknown JSON type"));
}

}  // namespace

void AppendCanonicalString(std::string* out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char ch : value) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
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
        if (c < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 0xF]);
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

absl::StatusOr<std::string> CanonicalJson(simdjson::dom::element value, std::string_view path) {
  std::string out;
  absl::Status status = Append(&out, value, std::string(path));
  if (!status.ok()) return status;
  return out;
}

}  // namespace mig::action
