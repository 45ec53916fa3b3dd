// Internal to the probes: outcomes built from errno values and waits.
#ifndef MIG_MODULES_PING_PROBE_OUTCOME_H_
#define MIG_MODULES_PING_PROBE_OUTCOME_H_

#include <string_view>

#include "modules/ping/probe.h"
#include "modules/ping/socket_wait.h"

namespace mig::modules::ping {

// ECONNREFUSED, EHOSTUNREACH, ENETUNREACH... are the network's answer (kRefused); anything else is a
// failure of the probe. `what` names the step: "connect", "send", "receive".
ProbeOutcome OutcomeFromErrno(int error, std::string_view what);

// The outcome of a wait that did not become ready.
ProbeOutcome OutcomeFromWait(WaitResult wait, std::string_view what);

}  // namespace mig::modules::ping

#endif  // MIG_MODULES_PING_PROBE_OUTCOME_H_
