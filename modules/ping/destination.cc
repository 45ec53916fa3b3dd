#include "modules/ping/destination.h"

#include <netdb.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace mig::modules::ping {

absl::StatusOr<Destination> ResolveDestination(std::string_view host, uint16_t port) {
  std::string name(host);
  // "[::1]" is how people write IPv6 literals next to ports; getaddrinfo wants it bare.
  if (name.size() > 2 && name.front() == '[' && name.back() == ']') name = name.substr(1, name.size() - 2);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;  // one entry per address
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string service = absl::StrCat(port);
  int rc = getaddrinfo(name.c_str(), service.c_str(), &hints, &found);
  if (rc != 0) {
    return absl::NotFoundError(absl::StrCat("cannot resolve '", host, "': ", gai_strerror(rc)));
  }
  Destination destination;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if ((a->ai_family != AF_INET && a->ai_family != AF_INET6) || a->ai_addrlen > sizeof(destination.address)) {
      continue;
    }
    std::memcpy(&destination.address, a->ai_addr, a->ai_addrlen);
    destination.length = a->ai_addrlen;
    break;
  }
  freeaddrinfo(found);
  if (destination.length == 0) {
    return absl::NotFoundError(absl::StrCat("'", host, "' does not resolve to any IPv4 or IPv6 address"));
  }
  char text[NI_MAXHOST];
  if (getnameinfo(destination.socket_address(), destination.length, text, sizeof(text), nullptr, 0, NI_NUMERICHOST) !=
      0) {
    return absl::InternalError(absl::StrCat("cannot print the address of '", host, "'"));
  }
  destination.ip = text;
  return destination;
}

}  // namespace mig::modules::ping
