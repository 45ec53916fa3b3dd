#include "modules/scribe/policy_sources/debian_changelog.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace mig::modules::scribe::policy_sources {
namespace {

bool IsDigit(char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); }

// "openssl (3.0.11-1~deb12u2) bookworm-security; urgency=medium" -> "3.0.11-1~deb12u2".
bool ParseHeading(std::string_view line, std::string* version) {
  if (line.empty() || line[0] == ' ' || line[0] == '\t') return false;
  size_t open = line.find(" (");
  if (open == std::string_view::npos || open == 0) return false;
  size_t close = line.find(')', open + 2);
  if (close == std::string_view::npos || close == open + 2) return false;
  if (line.find(';', close) == std::string_view::npos) return false;
  std::string_view package = line.substr(0, open);
  if (!std::all_of(package.begin(), package.end(), [](char c) {
        return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
      })) {
    return false;
  }
  *version = std::string(line.substr(open + 2, close - open - 2));
  return true;
}

// Every "CVE-YYYY-NNNN..." in the line.
void CollectCves(std::string_view line, std::vector<std::string>* cves) {
  size_t at = 0;
  while ((at = line.find("CVE-", at)) != std::string_view::npos) {
    size_t i = at + 4;
    size_t year = i;
    while (i < line.size() && IsDigit(line[i])) ++i;
    bool ok = i - year == 4 && i < line.size() && line[i] == '-';
    size_t number = ++i;
    while (ok && i < line.size() && IsDigit(line[i])) ++i;
    ok = ok && i - number >= 4 && (at == 0 || !absl::ascii_isalnum(static_cast<unsigned char>(line[at - 1])));
    if (ok) {
      std::string id(line.substr(at, i - at));
      if (std::find(cves->begin(), cves->end(), id) == cves->end()) cves->push_back(std::move(id));
    }
    at += 4;
  }
}

}  // namespace

std::vector<ChangelogEntry> ParseDebianChangelog(std::string_view text) {
  std::vector<ChangelogEntry> entries;
  for (std::string_view line : absl::StrSplit(text, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (absl::StartsWithIgnoreCase(line, "Old Changelog:") || absl::StartsWithIgnoreCase(line, "Local variables:")) {
      break;
    }
    std::string version;
    if (ParseHeading(line, &version)) {
      entries.push_back({std::move(version), {}});
      continue;
    }
    if (!entries.empty()) CollectCves(line, &entries.back().cves);
  }
  return entries;
}

}  // namespace mig::modules::scribe::policy_sources
