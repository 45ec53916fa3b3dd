// dpkg's status database, read as dpkg-query reads it: the status file, then the journal of updates that a
// dpkg run interrupted before folding them in (<admindir>/updates/NNNN), each stanza replacing the package
// of the same name and architecture.
//
//   MIG_ASSIGN_OR_RETURN(std::vector<InstalledPackage> packages, ReadDpkgDatabase("/var/lib/dpkg", &errors));
#ifndef MIG_MODULES_PKG_DPKG_DATABASE_H_
#define MIG_MODULES_PKG_DPKG_DATABASE_H_

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "modules/pkg/installed_package.h"

namespace mig::modules::pkg {

// One stanza of a status file, with the fields the inventory needs.
struct DpkgStanza {
  std::string package;
  std::string version;
  std::string architecture;
  std::string status;  // the third word of Status: "installed", "config-files", "not-installed", ...
  // From "Source: name" or "Source: name (version)"; empty when the field is absent (then the source is the
  // package itself, at its own version).
  std::string source_name;
  std::string source_version;
};

// Parses the stanzas of a status (or updates) file. A malformed stanza is skipped and described in
// `errors` (with `source` and its line number); the rest is still returned.
std::vector<DpkgStanza> ParseDpkgStatus(std::string_view text, std::string_view source,
                                        std::vector<std::string>* errors);

// dpkg's view of its database, built from the texts of the status file and then each journal entry in
// turn (updates/NNNN in numeric order): each stanza replaces the package of the same name and architecture.
// ReadDpkgDatabase() reads the files; this is the part that only sees their bytes.
//
//   DpkgDatabase database;
//   database.Apply(status_text, "/var/lib/dpkg/status", &errors);
//   database.Apply(journal_text, "/var/lib/dpkg/updates/0001", &errors);
//   std::vector<InstalledPackage> packages = std::move(database).Packages();
class DpkgDatabase {
 public:
  void Apply(std::string_view text, std::string_view source, std::vector<std::string>* errors);
  // The packages dpkg-query -W lists (every state but not-installed), sorted by name and architecture.
  std::vector<InstalledPackage> Packages() &&;

 private:
  // Keyed as dpkg keys its database: one entry per name and architecture.
  std::map<std::pair<std::string, std::string>, DpkgStanza> stanzas_;
};

// The packages dpkg-query -W lists (every state but not-installed), in no particular order. NotFound when
// there is no status file (not a dpkg system).
absl::StatusOr<std::vector<InstalledPackage>> ReadDpkgDatabase(const std::string& admin_dir,
                                                               std::vector<std::string>* errors);

}  // namespace mig::modules::pkg

#endif  // MIG_MODULES_PKG_DPKG_DATABASE_H_
