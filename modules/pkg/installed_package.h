// One installed package, as the package databases describe it (see inventory.h).
#ifndef MIG_MODULES_PKG_INSTALLED_PACKAGE_H_
#define MIG_MODULES_PKG_INSTALLED_PACKAGE_H_

#include <string>

namespace mig::modules::pkg {

struct InstalledPackage {
  std::string name;     // dpkg's Package, rpm's NAME (never arch-qualified)
  std::string version;  // dpkg's Version ("1:2.3-4", epoch included); rpm's [EPOCH:]VERSION-RELEASE
  std::string type;     // "dpkg" or "rpm"
  std::string arch;     // dpkg's Architecture, rpm's ARCH; may be empty
  // dpkg's package state ("installed", "config-files", "half-installed", ...): listed as dpkg-query -W lists
  // them, i.e. everything but "not-installed". "installed" for rpm.
  std::string status;
  // The source package it was built from and that package's version: dpkg's "Source: name (version)",
  // which defaults to the package's own name and version. Security trackers name source packages. Empty
  // for rpm (SOURCERPM is not read yet).
  std::string source_name;
  std::string source_version;

  friend bool operator==(const InstalledPackage&, const InstalledPackage&) = default;
};

}  // namespace mig::modules::pkg

#endif  // MIG_MODULES_PKG_INSTALLED_PACKAGE_H_
