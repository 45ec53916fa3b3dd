#include "modules/ping/probe.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/unique_fd.h"
#include "modules/ping/probe_outcome.h"
#include "modules/ping/socket_wait.h"

namespace mig::modules::ping {

ProbeOutcome OutcomeFromErrno(int error, std::string_view what) {
  ProbeOutcome outcome;
  switch (error) {
    case ECONNREFUSED:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
    case ENETDOWN:
      outcome.status = ProbeStatus::kRefused;
      break;
    case ETIMEDOUT:
      outcome.status = ProbeStatus::kTimedOut;
      break;
    default:
      outcome.status = ProbeStatus::kFailed;
      break;
  }
  outcome.reason = absl::StrCat(what, ": ", std::strerror(error));
  outcome.error = error;
  return outcome;
}

ProbeOutcome OutcomeFromWait(WaitResult wait, std::string_view what) {
  ProbeOutcome outcome;
  switch (wait) {
    case WaitResult::kTimedOut:
      outcome.status = ProbeStatus::kTimedOut;
      outcome.reason = "connection timed out";
      return outcome;
    case WaitResult::kCancelled:
      outcome.status = ProbeStatus::kFailed;
      outcome.reason = "cancelled";
      return outcome;
    case WaitResult::kFailed:
    case WaitResult::kReady:
      break;
  }
  return OutcomeFromErrno(errno, what);
}

ProbeOutcome ProbeTcp(const Destination& destination, absl::Time deadline, const std::atomic<bool>* cancelled) {
  UniqueFd fd(socket(destination.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
  if (!fd.valid()) return OutcomeFromErrno(errno, "socket");
  absl::Time start = absl::Now();
  if (connect(fd.get(), destination.socket_address(), destination.length) != 0) {
    if (errno != EINPROGRESS) return OutcomeFromErrno(errno, "connect");
    WaitResult wait = WaitForSocket(fd.get(), POLLOUT, deadline, cancelled);
    if (wait != WaitResult::kReady) return OutcomeFromWait(wait, "connect");
    int error = 0;
    socklen_t length = sizeof(error);
    if (getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) return OutcomeFromErrno(errno, "connect");
    if (error != 0) return OutcomeFromErrno(error, "connect");
  }
  ProbeOutcome outcome;
  outcome.status = ProbeStatus::kAnswered;
  outcome.latency = absl::Now() - start;
  return outcome;
}

ProbeOutcome ProbeUdp(const Destination& destination, absl::Time deadline, const std::atomic<bool>* cancelled) {
  UniqueFd fd(socket(destination.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP));
  if (!fd.valid()) return OutcomeFromErrno(errno, "socket");
  // Connected, so that the kernel reports an ICMP port unreachable from the destination as ECONNREFUSED.
  if (connect(fd.get(), destination.socket_address(), destination.length) != 0)
    return OutcomeFromErrno(errno, "connect");
  static constexpr char kPayload[] = "Ping!Ping!Ping!";  // MIG's
  absl::Time start = absl::Now();
  if (send(fd.get(), kPayload, sizeof(kPayload) - 1, 0) < 0) return OutcomeFromErrno(errno, "send");
  WaitResult wait = WaitForSocket(fd.get(), POLLIN, deadline, cancelled);
  if (wait != WaitResult::kReady) return OutcomeFromWait(wait, "receive");
  char buffer[1500];
  if (recv(fd.get(), buffer, sizeof(buffer), 0) < 0) return OutcomeFromErrno(errno, "receive");
  ProbeOutcome outcome;
  outcome.status = ProbeStatus::kAnswered;
  outcome.latency = absl::Now() - start;
  return outcome;
}

}  // namespace mig::modules::ping
