// Tests from OSV records (https://ossf.github.io/osv-schema/) for the distributions whose packages a host
// has: Debian and Ubuntu (package names are source packages: "source" objects, compared as dpkg does),
// AlmaLinux, Rocky Linux and Red Hat (binary rpm names: "name" objects). Each ECOSYSTEM range becomes a test
// per (package, fixed version) that groups every record fixed there: "fixed" -> `<`, "last_affected" -> `<=`,
// and an "introduced" other than "0" adds a `>=` test the main test depends on. Every test is gated on the
// release its ecosystem names ("Debian:12" -> ID=debian, VERSION_ID=12). Other ecosystems (PyPI, npm, ...)
// are counted and skipped.
//
//   OsvCollection osv({.include_unfixed = false});
//   MIG_RETURN_IF_ERROR(osv.AddPath("osv/"));          // a record, an array of records, or a directory of *.json
//   MIG_ASSIGN_OR_RETURN(SourceReport report, osv.AddTests(&builder));
#ifndef MIG_MODULES_SCRIBE_POLICY_SOURCES_OSV_H_
#define MIG_MODULES_SCRIBE_POLICY_SOURCES_OSV_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "modules/scribe/evr/evr.h"
#include "modules/scribe/policy_sources/policy_builder.h"

namespace mig::modules::scribe::policy_sources {

// What an OSV ecosystem means on a host.
struct EcosystemTarget {
  Release release;
  bool source_packages = false;  // package names are source package names
  VersionScheme scheme = VersionScheme::kDpkg;
  std::string title;  // "Debian 12", "Ubuntu 22.04", "AlmaLinux 9", "Red Hat Enterprise Linux 8.4"
};

// The target of `ecosystem`, or nullopt with `*skip_reason` saying why it is left out (for the summary).
std::optional<EcosystemTarget> MapEcosystem(std::string_view ecosystem, std::string* skip_reason);

struct OsvOptions {
  bool include_unfixed = false;  // ranges with no fix yet become tests too
};

// A single record, a JSON array of them, or a directory of *.json files holding either.
inline constexpr size_t kMaxOsvFileBytes = size_t{1} << 30;

class OsvCollection {
 public:
  explicit OsvCollection(OsvOptions options) : options_(options) {}

  // Reads one document; errors name `name` and the JSON path of the bad value. A refused document adds
  // nothing.
  absl::Status AddDocument(std::string_view json, std::string_view name);
  // A file, or a directory whose *.json files are read in name order (not recursively).
  absl::Status AddPath(const std::string& path);

  // Adds the tests for everything read so far to `builder`.
  absl::StatusOr<SourceReport> AddTests(PolicyBuilder* builder);

 private:
  struct Key {
    std::string release_label;
    std::string package;
    int bound_kind = 0;  // 0 fixed, 1 last_affected, 2 none yet
    std::string bound;
    std::string introduced;  // "0" when from the beginning
    VersionScheme scheme = VersionScheme::kDpkg;
    bool operator<(const Key& other) const;
  };
  struct Group {
    EcosystemTarget target;
    std::set<std::string> ecosystems;
    std::set<std::string> ids;
    std::map<std::string, std::string> summaries;  // record id -> summary
  };

  OsvOptions options_;
  std::map<Key, Group> groups_;
  SourceReport report_;
  size_t documents_ = 0;
  size_t records_ = 0;
  friend class OsvRecordReader;
};

}  // namespace mig::modules::scribe::policy_sources

#endif  // MIG_MODULES_SCRIBE_POLICY_SOURCES_OSV_H_
