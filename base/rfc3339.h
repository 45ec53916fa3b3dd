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

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace mig {

// The instant `text` names. InvalidArgument otherwise, with a message quoting the text (escaped) and saying
// which part is wrong: "'2026-02-30T00:00:00Z' is not an RFC 3339 time: day 30 is not in February 2026".
absl::StatusOr<absl::Time> ParseRfc3339(std::string_view text);

// How many fractional digits FormatRfc3339 writes.
enum class Rfc3339Fraction {
  kAsNeeded,      // as many as the time has, none for a whole second: "2026-12-07T21:14:17.5Z"
  kMilliseconds,  // always three: "2026-12-07T21:14:17.500Z"
  kNone,          // whole seconds, truncated: "2026-12-07T21:14:17Z"
};

// `time` in UTC ("Z"), in the form ParseRfc3339 reads back to the same instant (for the precision chosen):
// the year always has four digits, so that a time from 0768 is written "0768", not "768". Every time mig
// writes for a program to read goes through here. Years outside 0000-9999 have no RFC 3339 form and cannot
// be parsed; they come out with the digits they have.
std::string FormatRfc3339(absl::Time time, Rfc3339Fraction fraction = Rfc3339Fraction::kAsNeeded);

}  // namespace mig

#endif  // MIG_BASE_RFC3339_H_
