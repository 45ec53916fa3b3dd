// Small pieces of the investigator commands' English, shared so that every command says things one way.
//
//   Plural(2, "signature")                 -> "2 signatures"
//   Relative(expiry, absl::Now())          -> "in 29d23h59m", "3m ago", "now"
#ifndef MIG_INVESTIGATOR_WORDING_H_
#define MIG_INVESTIGATOR_WORDING_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace mig::investigator {

std::string Plural(size_t n, std::string_view word);
// Whole seconds; days when there are any ("29d23h59m"): releases live for weeks.
std::string HumanDuration(absl::Duration d);
std::string Relative(absl::Time when, absl::Time now);

}  // namespace mig::investigator

#endif  // MIG_INVESTIGATOR_WORDING_H_
