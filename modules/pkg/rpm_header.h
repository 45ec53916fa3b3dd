// rpm's package header, as stored in its databases (without the lead and magic of a .rpm file): an index
// of (tag, type, offset, count) entries and a data store. Only what an inventory needs is read.
//
//   MIG_ASSIGN_OR_RETURN(InstalledPackage p, PackageFromRpmHeader(blob));   // NAME, [EPOCH:]VERSION-RELEASE, ARCH
#ifndef MIG_MODULES_PKG_RPM_HEADER_H_
#define MIG_MODULES_PKG_RPM_HEADER_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "modules/pkg/installed_package.h"

namespace mig::modules::pkg {

// The package a header describes, with its version as rpm's %{EVR} prints it. A header without ARCH (the
// gpg-pubkey pseudo-packages) has an empty arch.
absl::StatusOr<InstalledPackage> PackageFromRpmHeader(std::string_view blob);

}  // namespace mig::modules::pkg

#endif  // MIG_MODULES_PKG_RPM_HEADER_H_
