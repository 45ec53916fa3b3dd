#include "base/http/message.h"

#include "absl/strings/str_split.h"
#include "base/json/writer.h"
#include "base/url.h"

namespace mig::http {
namespace {

std::optional<std::string_view> FindHeader(const Headers& headers, std::string_view lowercase_name) {
  for (const auto& [name, value] : headers) {
    if (name == lowercase_name) return value;
  }
  return std::nullopt;
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
    std::optional<std::string> name = mig::PercentDecode(kv.first, /*plus_is_space=*/true);
    if (!name || *name != key) continue;
    std::optional<std::string> value = mig::PercentDecode(kv.second, /*plus_is_space=*/true);
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

}  // namespace mig::http
