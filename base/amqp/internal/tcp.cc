#include "base/amqp/internal/tcp.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace mig::amqp::internal {
namespace {

std::string AddressText(const addrinfo& address) {
  char host[NI_MAXHOST];
  if (getnameinfo(address.ai_addr, address.ai_addrlen, host, sizeof(host), nullptr, 0, NI_NUMERICHOST) != 0) {
    return "?";
  }
  return host;
}

// Connects one address. Ok with the socket, or the reason it failed (errno text, or DeadlineExceeded).
absl::StatusOr<int> ConnectAddress(const addrinfo& address, absl::Time deadline) {
  int fd = socket(address.ai_family, address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, address.ai_protocol);
  if (fd < 0) return absl::UnavailableError(strerror(errno));
  const int one = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) != 0) {
    absl::Status error = absl::UnavailableError(absl::StrCat("setsockopt: ", strerror(errno)));
    close(fd);
    return error;
  }
  if (connect(fd, address.ai_addr, address.ai_addrlen) == 0) return fd;
  if (errno != EINPROGRESS) {
    absl::Status error = absl::UnavailableError(strerror(errno));
    close(fd);
    return error;
  }
  if (absl::Status waited = WaitForSocket(fd, /*write=*/true, deadline); !waited.ok()) {
    close(fd);
    return waited;
  }
  int error = 0;
  socklen_t length = sizeof(error);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
  if (error != 0) {
    close(fd);
    return absl::UnavailableError(strerror(error));
  }
  return fd;
}

}  // namespace

absl::Status WaitForSocket(int fd, bool write, absl::Time deadline) {
  pollfd p{.fd = fd, .events = static_cast<short>(write ? POLLOUT : POLLIN), .revents = 0};
  for (;;) {
    int timeout_ms = -1;
    if (deadline != absl::InfiniteFuture()) {
      absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) return absl::DeadlineExceededError("timed out");
      // Round up, so that a wait never ends just before its deadline and spins.
      timeout_ms = static_cast<int>(
          std::min<int64_t>(absl::ToInt64Milliseconds(left + absl::Milliseconds(1) - absl::Nanoseconds(1)), INT_MAX));
    }
    int ready = poll(&p, 1, timeout_ms);
    if (ready > 0) return absl::OkStatus();
    if (ready == 0) return absl::DeadlineExceededError("timed out");
    if (errno != EINTR) return absl::UnavailableError(absl::StrCat("poll: ", strerror(errno)));
  }
}

absl::StatusOr<int> ConnectTcp(const std::string& host, int port, absl::Time deadline) {
  const std::string where = absl::StrCat(host, ":", port);
  if (port <= 0 || port > 65535) return absl::InvalidArgumentError(absl::StrCat("bad port in ", where));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  addrinfo* addresses = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &addresses); rc != 0) {
    return absl::UnavailableError(absl::StrCat("resolving ", host, ": ", gai_strerror(rc)));
  }
  std::vector<std::string> failures;
  absl::StatusOr<int> fd = absl::UnavailableError("no address");
  for (const addrinfo* a = addresses; a != nullptr; a = a->ai_next) {
    fd = ConnectAddress(*a, deadline);
    if (fd.ok()) break;
    failures.push_back(absl::StrCat(AddressText(*a), ": ", fd.status().message()));
    if (absl::IsDeadlineExceeded(fd.status())) break;
  }
  freeaddrinfo(addresses);
  if (fd.ok()) return fd;
  const std::string message = absl::StrCat("connecting to ", where, " (", absl::StrJoin(failures, "; "), ")");
  if (absl::IsDeadlineExceeded(fd.status())) return absl::DeadlineExceededError(message);
  return absl::UnavailableError(message);
}

}  // namespace mig::amqp::internal
