// Waiting on a socket with a deadline and a cancel flag, shared by the ping probes.
#ifndef MIG_MODULES_PING_SOCKET_WAIT_H_
#define MIG_MODULES_PING_SOCKET_WAIT_H_

#include <atomic>

#include "absl/time/time.h"

namespace mig::modules::ping {

enum class WaitResult { kReady, kTimedOut, kCancelled, kFailed };

// Polls `fd` for `events` until it is ready, `deadline` passes or `cancelled` is set (checked at least every
// 100ms). kFailed leaves errno set.
WaitResult WaitForSocket(int fd, short events, absl::Time deadline, const std::atomic<bool>* cancelled);

}  // namespace mig::modules::ping

#endif  // MIG_MODULES_PING_SOCKET_WAIT_H_
