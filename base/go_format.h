// Text formats of Go's standard library that MIG's JSON results carry, reproduced byte for byte so results
// from mig read like results from MIG:
//
//   GoDurationString(absl::Milliseconds(1500))  -> "1.5s"        (time.Duration.String)
//   GoTimeStringUtc(absl::FromUnixSeconds(0))   -> "1970-01-01 00:00:00 +0000 UTC"   (time.Time.UTC().String)
//   GoFileModeString(S_IFDIR | 0755)            -> "drwxr-xr-x"  (os.FileMode.String)
#ifndef MIG_BASE_GO_FORMAT_H_
#define MIG_BASE_GO_FORMAT_H_

#include <sys/types.h>

#include <string>

#include "absl/time/time.h"

namespace mig {

// Go's time.Duration.String(): "0s", "1.234s", "2m3.5s", "1h0m0s", "350.5ms", "12µs", "7ns".
std::string GoDurationString(absl::Duration duration);

// Go's time.Time.UTC().String(): "2006-01-02 15:04:05.999999999 +0000 UTC", trailing zeros of the
// fraction dropped (and the fraction entirely when it is zero).
std::string GoTimeStringUtc(absl::Time time);

// Go's os.FileMode.String() for a mode as returned by stat(2): type letters from "dalTLDpSugct?" (or '-'
// when none applies), then the nine permission characters.
std::string GoFileModeString(mode_t mode);

}  // namespace mig

#endif  // MIG_BASE_GO_FORMAT_H_
