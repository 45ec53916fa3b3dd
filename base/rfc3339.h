// The one parser of timestamps that come from outside (actions, release manifests, heartbeats, the agent's
// status file): RFC 3339's date-time, and nothing else.
//
//   MIG_ASSIGN_OR_RETURN(absl::Time expiry, ParseRfc3339("2026-11-29T04:37:37.5+01:00"));
//
// absl::ParseTime(absl::RFC3339_full, ...) is not used because it accepts more than RFC 3339 and turns some
// of it into times no clock reaches: "infinite-future" and "infinite-past" (an action that never expires),
// years of any number of digits or with a sign, surrounding spaces, offsets without a colon. Here the text
// must be exactly
//
//   YYYY-MM-DD "T" hh:mm:ss [ "." 1-9 digits ] ( "Z" | ("+" / "-") hh:mm )
//
// with every field in range for its month and year; "T" and "Z" may be lower case (RFC 3339, 5.6). Refused
// besides the grammar: a leap second (:60, which absl::Time cannot hold) and more than 9 fractional digits
// (a precision absl::Time would drop silently).
#ifndef MIG_BASE_RFC3339_H_
#define MIG_BASE_RFC3339_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace mig {

// The instant `text` names. InvalidArgument otherwise, with a message quoting the text (escaped) and saying
// which part is wrong: "'2026-02-30T00:00:00Z' is not an RFC 3339 time: day 30 is not in February 2026".
absl::StatusOr<absl::Time> ParseRfc3339(std::string_view text);

}  // namespace mig

#endif  // MIG_BASE_RFC3339_H_
