#include "modules/scribe/policy_sources/os_release.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "base/files.h"
#include "base/status_macros.h"

namespace mig::modules::scribe::policy_sources {
namespace {

std::string Unquote(std::string_view value) {
  if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') {
    return std::string(value.substr(1, value.size() - 2));
  }
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
    std::string out;
    for (size_t i = 0; i < value.size(); ++i) {
      if (value[i] == '\\' && i + 1 < value.size()) ++i;
      out.push_back(value[i]);
    }
    return out;
  }
  return std::string(value);
}

}  // namespace

OsRelease ParseOsRelease(std::string_view text) {
  OsRelease os;
  for (std::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    size_t equals = line.find('=');
    if (equals == std::string_view::npos) continue;
    std::string_view key = line.substr(0, equals);
    std::string value = Unquote(line.substr(equals + 1));
    if (key == "ID") {
      os.id = std::move(value);
    } else if (key == "VERSION_ID") {
      os.version_id = std::move(value);
    } else if (key == "VERSION_CODENAME") {
      os.version_codename = std::move(value);
    }
  }
  return os;
}

absl::StatusOr<OsRelease> ReadOsRelease(const std::string& path) {
  MIG_ASSIGN_OR_RETURN(std::string text, ReadFileBounded(path, 1 << 20));
  return ParseOsRelease(text);
}

}  // namespace mig::modules::scribe::policy_sources
