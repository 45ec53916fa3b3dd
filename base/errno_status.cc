#include "base/errno_status.h"

#include "absl/strings/str_cat.h"

namespace mig {

absl::Status ErrnoError(std::string_view what, std::string_view name, int error) {
  return absl::ErrnoToStatus(error, absl::StrCat("cannot ", what, " ", name));
}

}  // namespace mig
