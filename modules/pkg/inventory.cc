#include "modules/pkg/inventory.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "modules/pkg/dpkg_database.h"
#include "modules/pkg/rpm_database.h"

namespace mig::modules::pkg {
namespace {

std::string Under(const std::string& root, std::string_view path) {
  std::string_view base = root;
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  return absl::StrCat(base, path);
}

void Append(absl::StatusOr<std::vector<InstalledPackage>> packages, Inventory* inventory) {
  if (packages.ok()) {
    for (InstalledPackage& p : *packages) inventory->packages.push_back(std::move(p));
  } else if (!absl::IsNotFound(packages.status())) {
    // A missing database only means this host does not use that package manager.
    inventory->errors.emplace_back(packages.status().message());
  }
}

}  // namespace

Inventory ListInstalledPackages(const InventoryOptions& options) {
  Inventory inventory;
  Append(ReadRpmDatabase(Under(options.root, "/var/lib/rpm"), &inventory.errors), &inventory);
  Append(ReadDpkgDatabase(Under(options.root, "/var/lib/dpkg"), &inventory.errors), &inventory);
  std::sort(inventory.packages.begin(), inventory.packages.end(),
            [](const InstalledPackage& a, const InstalledPackage& b) {
              return std::tie(a.name, a.arch, a.version, a.type) < std::tie(b.name, b.arch, b.version, b.type);
            });
  return inventory;
}

}  // namespace mig::modules::pkg
