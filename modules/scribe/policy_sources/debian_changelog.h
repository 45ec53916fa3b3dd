// Debian changelogs (debian/changelog, installed as /usr/share/doc/<package>/changelog.Debian.gz): the
// version of each entry and the CVE ids its text names, which is how a security update says what it fixes.
//
//   std::vector<ChangelogEntry> entries = ParseDebianChangelog(text);
//   entries[0].version  // "3.0.11-1~deb12u2", the newest
//   entries[0].cves     // {"CVE-2023-5363", "CVE-2023-5678"}
#ifndef MIG_MODULES_SCRIBE_POLICY_SOURCES_DEBIAN_CHANGELOG_H_
#define MIG_MODULES_SCRIBE_POLICY_SOURCES_DEBIAN_CHANGELOG_H_

#include <string>
#include <string_view>
#include <vector>

namespace mig::modules::scribe::policy_sources {

struct ChangelogEntry {
  std::string version;
  std::vector<std::string> cves;  // in the order the entry names them, each once
};

// Entries in the file's order (newest first). An entry starts at a line "package (version) dists; ..." at the
// start of a line; parsing stops at the "Old Changelog:" or "Local variables:" trailer, after which entries
// need not follow the format.
std::vector<ChangelogEntry> ParseDebianChangelog(std::string_view text);

}  // namespace mig::modules::scribe::policy_sources

#endif  // MIG_MODULES_SCRIBE_POLICY_SOURCES_DEBIAN_CHANGELOG_H_
