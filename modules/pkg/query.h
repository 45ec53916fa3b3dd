// The pkg module's search: the installed packages whose name matches any of the name regexes and whose
// version passes the version filter, and the result JSON MIG's pkg module returns:
//
//   {"foundanything":true,"success":true,
//    "elements":{"packages":[{"name":"openssl","version":"3.0.11-1~deb12u2","type":"dpkg","arch":"amd64",
//                             "status":"installed"}]},
//    "statistics":{"execruntime":"3.2ms"},"errors":[]}
//
//   MIG_ASSIGN_OR_RETURN(PackageQuery query, PackageQuery::Create(parameters));
//   std::vector<InstalledPackage> found = query.Filter(ListInstalledPackages().packages);
#ifndef MIG_MODULES_PKG_QUERY_H_
#define MIG_MODULES_PKG_QUERY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/pkg/inventory.h"
#include "modules/pkg/parameters.h"
#include "re2/re2.h"

namespace mig::modules::pkg {

class PackageQuery {
 public:
  static absl::StatusOr<PackageQuery> Create(const Parameters& parameters);

  bool Matches(const InstalledPackage& package) const;
  // The matching packages, each once, in the order given.
  std::vector<InstalledPackage> Filter(const std::vector<InstalledPackage>& packages) const;

 private:
  std::vector<std::unique_ptr<RE2>> names_;
  std::unique_ptr<RE2> version_;  // null: any version
  bool version_inverted_ = false;
};

// MIG's result JSON for the packages found.
std::string ResultJson(const std::vector<InstalledPackage>& found, const std::vector<std::string>& errors, bool success,
                       absl::Duration run_time);

}  // namespace mig::modules::pkg

#endif  // MIG_MODULES_PKG_QUERY_H_
