#include "base/net/socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"

namespace mig::net {
namespace {

// Connects one address: the socket, or why it failed (errno text, or DeadlineExceeded).
absl::StatusOr<UniqueFd> ConnectAddress(const addrinfo& address, absl::Time deadline, const ConnectOptions& options) {
  UniqueFd fd(socket(address.ai_family, address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, address.ai_protocol));
  if (!fd.valid()) return absl::UnavailableError(strerror(errno));
  const int one = 1;
  if (setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) {
    return absl::UnavailableError(absl::StrCat("setsockopt(TCP_NODELAY): ", strerror(errno)));
  }
  if (options.keepalive && setsockopt(fd.get(), SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) != 0) {
    return absl::UnavailableError(absl::StrCat("setsockopt(SO_KEEPALIVE): ", strerror(errno)));
  }
  if (connect(fd.get(), address.ai_addr, address.ai_addrlen) == 0) return fd;
  if (errno != EINPROGRESS) return absl::UnavailableError(strerror(errno));
  MIG_RETURN_IF_ERROR(WaitForSocket(fd.get(), /*write=*/true, deadline));
  int error = 0;
  socklen_t length = sizeof(error);
  if (getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
  if (error != 0) return absl::UnavailableError(strerror(error));
  return fd;
}

}  // namespace

absl::Status WaitForSocket(int fd, bool write, absl::Time deadline, int cancel_fd) {
  pollfd p[2] = {{.fd = fd, .events = static_cast<short>(write ? POLLOUT : POLLIN), .revents = 0},
                 {.fd = cancel_fd, .events = POLLIN, .revents = 0}};
  const nfds_t count = cancel_fd >= 0 ? 2 : 1;
  for (;;) {
    int timeout_ms = -1;
    if (deadline != absl::InfiniteFuture()) {
      absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) return absl::DeadlineExceededError("timed out");
      // Round up, so that a wait never ends just before its deadline and spins.
      timeout_ms = static_cast<int>(
          std::min<int64_t>(absl::ToInt64Milliseconds(left + absl::Milliseconds(1) - absl::Nanoseconds(1)), INT_MAX));
    }
    int ready = poll(p, count, timeout_ms);
    if (ready > 0) {
      if (count == 2 && p[1].revents != 0) return absl::CancelledError("cancelled");
      return absl::OkStatus();
    }
    if (ready == 0) return absl::DeadlineExceededError("timed out");
    if (errno != EINTR) return absl::UnavailableError(absl::StrCat("poll: ", strerror(errno)));
  }
}

absl::StatusOr<UniqueFd> ConnectTcp(const std::string& host, int port, absl::Time deadline,
                                    const ConnectOptions& options) {
  const std::string where = absl::StrCat(host.find(':') != std::string::npos ? "[" + host + "]" : host, ":", port);
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
  absl::StatusOr<UniqueFd> fd = absl::UnavailableError("no address");
  for (const addrinfo* a = addresses; a != nullptr; a = a->ai_next) {
    fd = ConnectAddress(*a, deadline, options);
    if (fd.ok()) break;
    failures.push_back(absl::StrCat(AddressText(a->ai_addr, a->ai_addrlen), ": ", fd.status().message()));
    if (absl::IsDeadlineExceeded(fd.status())) break;
  }
  freeaddrinfo(addresses);
  if (fd.ok()) return fd;
  const std::string message = absl::StrCat("connecting to ", where, " (", absl::StrJoin(failures, "; "), ")");
  if (absl::IsDeadlineExceeded(fd.status())) return absl::DeadlineExceededError(message);
  return absl::UnavailableError(message);
}

absl::StatusOr<UniqueFd> ListenTcp(const std::string& host, int port, int backlog) {
  const std::string where = absl::StrCat(host.find(':') != std::string::npos ? "[" + host + "]" : host, ":", port);
  if (port < 0 || port > 65535) return absl::InvalidArgumentError(absl::StrCat("listening on ", where, ": bad port"));
  sockaddr_storage storage{};
  socklen_t length = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    length = sizeof(*v4);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    length = sizeof(*v6);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("listening on ", where, ": '", host, "' is not an IPv4 or IPv6 address"));
  }
  UniqueFd fd(socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return absl::UnavailableError(absl::StrCat("listening on ", where, ": socket: ", strerror(errno)));
  const int one = 1;
  // A restarted server can bind its port again while the previous one's connections are in TIME_WAIT.
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (storage.ss_family == AF_INET6) setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&storage), length) != 0 || listen(fd.get(), backlog) != 0) {
    return absl::UnavailableError(absl::StrCat("listening on ", where, ": ", strerror(errno)));
  }
  return fd;
}

int LocalPort(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return -1;
  if (storage.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
  if (storage.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port);
  return -1;
}

std::string AddressText(const sockaddr* address, socklen_t length) {
  char host[NI_MAXHOST];
  char port[NI_MAXSERV];
  if (getnameinfo(address, length, host, sizeof(host), port, sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return "?";
  }
  if (address->sa_family == AF_INET6) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

std::string ClientAddress(const sockaddr* address, socklen_t length) {
  char text[INET6_ADDRSTRLEN];
  if (address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    return inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text)) != nullptr ? text : "?";
  }
  if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    const in6_addr& v6 = reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&v6))
      return inet_ntop(AF_INET, &v6.s6_addr[12], text, sizeof(text)) != nullptr ? text : "?";
    in6_addr prefix{};
    std::memcpy(prefix.s6_addr, v6.s6_addr, 8);
    return inet_ntop(AF_INET6, &prefix, text, sizeof(text)) != nullptr ? absl::StrCat(text, "/64") : "?";
  }
  return "?";
}

Discarded DiscardInput(int fd, size_t max_bytes) {
  char discard[16 << 10];
  size_t discarded = 0;
  while (discarded < max_bytes) {
    ssize_t n = recv(fd, discard, sizeof(discard), 0);
    if (n > 0) {
      discarded += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Discarded::kWouldBlock;
    return Discarded::kEnd;
  }
  return Discarded::kBudgetSpent;
}

}  // namespace mig::net
