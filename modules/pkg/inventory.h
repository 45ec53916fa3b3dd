// The packages installed on this host, read directly from the package managers' databases (no dpkg or rpm
// process is run): dpkg's status database and rpm's sqlite database. The pkg module filters this list; the
// scribe module compares versions against it.
//
//   Inventory inventory = ListInstalledPackages();            // this host, from "/"
//   Inventory crafted = ListInstalledPackages({.root = "/tmp/fakeroot"});
//   for (const InstalledPackage& p : inventory.packages) ...  // sorted by name, then arch
//   inventory.errors                                          // databases present but unreadable or damaged
#ifndef MIG_MODULES_PKG_INVENTORY_H_
#define MIG_MODULES_PKG_INVENTORY_H_

#include <string>
#include <vector>

#include "modules/pkg/installed_package.h"

namespace mig::modules::pkg {

struct InventoryOptions {
  // Where the databases are looked for: <root>/var/lib/dpkg, <root>/var/lib/rpm. Tests point it elsewhere.
  std::string root = "/";
};

struct Inventory {
  std::vector<InstalledPackage> packages;  // sorted by name, then arch, then version
  // A database that exists but could not be read or is damaged; what could be read is still listed.
  std::vector<std::string> errors;
};

Inventory ListInstalledPackages(const InventoryOptions& options = {});

}  // namespace mig::modules::pkg

#endif  // MIG_MODULES_PKG_INVENTORY_H_
