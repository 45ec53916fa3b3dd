// rpm's database of installed packages, read without rpm: /var/lib/rpm/rpmdb.sqlite (rpm 4.16 and later:
// Fedora 33+, RHEL 9+), whose Packages table holds one rpm header blob per installed package.
// The older formats, Berkeley DB (Packages) and ndb (Packages.db), are recognised and reported as
// unsupported rather than silently ignored.
//
//   absl::StatusOr<std::vector<InstalledPackage>> packages = ReadRpmDatabase("/var/lib/rpm", &errors);
#ifndef MIG_MODULES_PKG_RPM_DATABASE_H_
#define MIG_MODULES_PKG_RPM_DATABASE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "modules/pkg/installed_package.h"

namespace mig::modules::pkg {

// NotFound when the directory holds no rpm database (not an rpm system). Packages whose header cannot be
// read are described in `errors` and left out.
absl::StatusOr<std::vector<InstalledPackage>> ReadRpmDatabase(const std::string& rpm_dir,
                                                              std::vector<std::string>* errors);

}  // namespace mig::modules::pkg

#endif  // MIG_MODULES_PKG_RPM_DATABASE_H_
