// TCP for every protocol mig speaks (AMQP to the broker, HTTP for the API and releases): connecting and
// listening, waiting on non-blocking sockets with a deadline and a cancel signal, naming a client's address
// for per-address limits, discarding input.
//
//   MIG_ASSIGN_OR_RETURN(UniqueFd fd, ConnectTcp("127.0.0.1", 8393, absl::Now() + absl::Seconds(5)));
//   MIG_RETURN_IF_ERROR(WaitForSocket(fd.get(), /*write=*/false, deadline, stop_fd));
#ifndef MIG_BASE_NET_SOCKET_H_
#define MIG_BASE_NET_SOCKET_H_

#include <sys/socket.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/unique_fd.h"

namespace mig::net {

// Waits until fd is readable (or writable, with `write`). DeadlineExceeded at `deadline` (InfiniteFuture:
// none); Cancelled as soon as `cancel_fd` (if not -1) is readable, so that one write to a pipe can wake every
// waiting thread; Unavailable if poll fails.
absl::Status WaitForSocket(int fd, bool write, absl::Time deadline, int cancel_fd = -1);

struct ConnectOptions {
  // SO_KEEPALIVE: for connections that stay open and idle for hours (the agent's to the broker), so that a
  // peer that vanished is noticed.
  bool keepalive = false;
};

// Connects to host:port, trying each address the name resolves to, and returns the socket: non-blocking,
// close-on-exec, TCP_NODELAY (every protocol here writes whole messages: Nagle's algorithm would only hold
// the last segment of each back). InvalidArgument for a port outside 1..65535; Unavailable naming
// host:port, each address tried and why it failed; or DeadlineExceeded.
absl::StatusOr<UniqueFd> ConnectTcp(const std::string& host, int port, absl::Time deadline,
                                    const ConnectOptions& options = {});

// A non-blocking, close-on-exec listening socket on host (an IPv4 or IPv6 literal) and port (0: any free
// one). InvalidArgument for a bad address, Unavailable if it cannot be bound.
absl::StatusOr<UniqueFd> ListenTcp(const std::string& host, int port, int backlog);

// The port a socket is bound to, or -1.
int LocalPort(int fd);

// "127.0.0.1:53122", "[::1]:53122".
std::string AddressText(const sockaddr* address, socklen_t length);

// The client's address without its port, for counting its connections: an IPv4 address ("192.0.2.7"), or
// an IPv6 address's /64 prefix ("2001:db8:1:2::/64": one site's hosts, which an attacker may well hold all of),
// or an IPv4-mapped IPv6 address as IPv4.
std::string ClientAddress(const sockaddr* address, socklen_t length);

// What DiscardInput found.
enum class Discarded { kWouldBlock, kBudgetSpent, kEnd };

// Reads and discards what fd has received, up to max_bytes, without waiting: kWouldBlock once there is no
// more at hand, kEnd once the peer has closed (or reset) its side. For the end of a connection refused in the
// middle of a request: closing a socket with unread input makes the kernel send a reset, which can destroy
// the response the peer has not read yet.
Discarded DiscardInput(int fd, size_t max_bytes);

}  // namespace mig::net

#endif  // MIG_BASE_NET_SOCKET_H_
