#include "modules/ping/socket_wait.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "absl/time/clock.h"

namespace mig::modules::ping {

WaitResult WaitForSocket(int fd, short events, absl::Time deadline, const std::atomic<bool>* cancelled) {
  constexpr int64_t kCancelCheckMs = 100;
  while (true) {
    if (cancelled != nullptr && cancelled->load(std::memory_order_relaxed)) return WaitResult::kCancelled;
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return WaitResult::kTimedOut;
    // Round up so that a wait never ends a little before the deadline and spins.
    int64_t ms =
        std::min(kCancelCheckMs, absl::ToInt64Milliseconds(left + absl::Milliseconds(1) - absl::Nanoseconds(1)));
    pollfd p{fd, events, 0};
    int rc = poll(&p, 1, static_cast<int>(std::max<int64_t>(ms, 1)));
    if (rc > 0) return WaitResult::kReady;
    if (rc < 0 && errno != EINTR) return WaitResult::kFailed;
  }
}

}  // namespace mig::modules::ping
