// How long signed things stay valid, by default: one value for each, shared by the configuration's defaults,
// the agent's authorization of actions and the loader's check of release manifests.
//
//   if (now > action.expire_after + kDefaultClockSkew) ...   // an action's window, seen by a slow clock
#ifndef MIG_PROTOCOL_VALIDITY_H_
#define MIG_PROTOCOL_VALIDITY_H_

#include "absl/time/time.h"

namespace mig::protocol {

// Clocks disagree a little: an action becomes valid this much early and expires this much late, and a
// manifest may have been created this much in the future.
inline constexpr absl::Duration kDefaultClockSkew = absl::Minutes(5);
// An action valid for longer is refused: long-lived signed actions are replay fodder.
inline constexpr absl::Duration kDefaultMaxActionValidity = absl::Hours(24);

}  // namespace mig::protocol

#endif  // MIG_PROTOCOL_VALIDITY_H_
