// How the daemons learn they should stop: SIGTERM (systemd, kill) and SIGINT (Ctrl-C) set a flag their
// loops check; SIGPIPE is ignored, so a peer closing a socket is an error value, not death.
//
//   const std::atomic<bool>& stop = InstallStopSignals();
//   while (!stop.load()) ...
#ifndef MIG_BASE_STOP_SIGNALS_H_
#define MIG_BASE_STOP_SIGNALS_H_

#include <atomic>

namespace mig {

const std::atomic<bool>& InstallStopSignals();

}  // namespace mig

#endif  // MIG_BASE_STOP_SIGNALS_H_
