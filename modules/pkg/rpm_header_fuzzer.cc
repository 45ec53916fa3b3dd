// Fuzzes rpm's header blob parser (one per package in rpmdb.sqlite): any bytes are read or refused without
// crashing or reading outside the blob, and a package read from them has the fields an inventory needs.
#include <cstdint>
#include <string_view>

#include "modules/pkg/rpm_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view blob(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<mig::modules::pkg::InstalledPackage> package = mig::modules::pkg::PackageFromRpmHeader(blob);
  if (!package.ok()) return 0;
  // NAME, VERSION and RELEASE are required, so the version always has the "-" of VERSION-RELEASE.
  if (package->type != "rpm" || package->version.find('-') == std::string::npos) __builtin_trap();
  // Every string comes from the blob, so none can be longer than it.
  if (package->name.size() > size || package->arch.size() > size) __builtin_trap();
  return 0;
}
