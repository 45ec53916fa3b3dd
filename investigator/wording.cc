#include "investigator/wording.h"

#include "absl/strings/str_cat.h"

namespace mig::investigator {

std::string Plural(size_t n, std::string_view word) { return absl::StrCat(n, " ", word, n == 1 ? "" : "s"); }

std::string HumanDuration(absl::Duration d) {
  d = absl::Trunc(d, absl::Seconds(1));
  int64_t days = absl::IDivDuration(d, absl::Hours(24), &d);
  if (days == 0) return absl::FormatDuration(d);
  if (d == absl::ZeroDuration()) return absl::StrCat(days, "d");
  return absl::StrCat(days, "d", absl::FormatDuration(d));
}

std::string Relative(absl::Time when, absl::Time now) {
  if (absl::AbsDuration(when - now) < absl::Seconds(1)) return "now";
  if (when >= now) return absl::StrCat("in ", HumanDuration(when - now));
  return absl::StrCat(HumanDuration(now - when), " ago");
}

}  // namespace mig::investigator
