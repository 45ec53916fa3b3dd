#include "http/message.h"

#include "absl/strings/str_split.h"
#include "json/writer.h"

namespace mig::http {
namespace {

std::optional<std::string_view> FindHeader(const Headers& headers, std::string_view lowercase_name) {
  for (const auto& [name, value] : headers) {
    if (name == lowercase_name) return value;
  }
  return std::nullopt;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string_view> Request::Header(std::string_view lowercase_name) const {
  return FindHeader(headers, lowercase_name);
}

std::string Request::Path() const { return target.substr(0, target.find('?')); }

std::optional<std::string> Request::Query(std::string_view key) const {
  size_t question = target.find('?');
  if (question == std::string::npos) return std::nullopt;
  std::string_view query = std::string_view(target).substr(question + 1);
  for (std::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::pair<std::string_view, std::string_view> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    std::optional<std::string> name = PercentDecode(kv.first, /*plus_is_space=*/true);
    if (!name || *name != key) continue;
    std::optional<std::string> value = PercentDecode(kv.second, /*plus_is_space=*/true);
    if (value) return value;
  }
  return std::nullopt;
}

std::optional<std::string_view> Response::Header(std::string_view lowercase_name) const {
  return FindHeader(headers, lowercase_name);
}

Response ErrorResponse(int status, std::string_view message) {
  json::JsonWriter w;
  w.BeginObject();
  w.Field("error", message);
  w.EndObject();
  return {.status = status, .content_type = "application/json", .body = std::move(w).Take()};
}

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int high = HexValue(text[i + 1]);
      int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace mig::http
