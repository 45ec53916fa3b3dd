// Where a ping goes: the destination resolved to one address, as MIG takes the first address a name
// resolves to.
//
//   MIG_ASSIGN_OR_RETURN(Destination d, ResolveDestination("localhost", 22));
//   connect(fd, d.socket_address(), d.length);   // d.ip is "127.0.0.1"
#ifndef MIG_MODULES_PING_DESTINATION_H_
#define MIG_MODULES_PING_DESTINATION_H_

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace mig::modules::ping {

struct Destination {
  sockaddr_storage address{};
  socklen_t length = 0;
  std::string ip;  // numeric form of the address

  int family() const { return address.ss_family; }
  const struct sockaddr* socket_address() const { return reinterpret_cast<const struct sockaddr*>(&address); }
};

// Resolves an address literal or a host name (getaddrinfo: /etc/hosts, then DNS).
absl::StatusOr<Destination> ResolveDestination(std::string_view host, uint16_t port);

}  // namespace mig::modules::ping

#endif  // MIG_MODULES_PING_DESTINATION_H_
