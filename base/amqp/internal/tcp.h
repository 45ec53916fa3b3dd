// TCP connections as rabbitmq-c expects them, for both of mig's AMQP sockets (plain and TLS).
//
//   MIG_ASSIGN_OR_RETURN(int fd, ConnectTcp("localhost", 5671, absl::Now() + absl::Seconds(10)));
#ifndef MIG_BASE_AMQP_INTERNAL_TCP_H_
#define MIG_BASE_AMQP_INTERNAL_TCP_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace mig::amqp::internal {

// Connects to host:port, trying each address the name resolves to, and returns the connected socket:
// non-blocking (rabbitmq-c polls), close-on-exec, TCP_NODELAY (an AMQP frame is a message: Nagle's
// algorithm would hold each small one back until the previous is acknowledged) and SO_KEEPALIVE.
// Unavailable (naming each address tried and why it failed) or DeadlineExceeded.
absl::StatusOr<int> ConnectTcp(const std::string& host, int port, absl::Time deadline);

// Waits until fd is readable (or writable, with `write`), or until the deadline (InfiniteFuture: no limit).
// Ok, DeadlineExceeded, or Unavailable when poll fails.
absl::Status WaitForSocket(int fd, bool write, absl::Time deadline);

}  // namespace mig::amqp::internal

#endif  // MIG_BASE_AMQP_INTERNAL_TCP_H_
