#include "modules/netstat/netlink.h"

#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/inet_diag.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"

namespace mig::modules::netstat {
namespace {

class NetlinkSocket {
 public:
  explicit NetlinkSocket(int protocol) : protocol_(protocol) {}
  ~NetlinkSocket() {
    if (fd_ >= 0) close(fd_);
  }
  absl::Status Open() {
    fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol_);
    if (fd_ < 0) return absl::UnavailableError(absl::StrCat("netlink socket: ", strerror(errno)));
    return absl::OkStatus();
  }
  int fd() const { return fd_; }

 private:
  int protocol_;
  int fd_ = -1;
};

// Sends one dump request for `type` and calls `on_message` for each answer until the kernel says done.
absl::Status Dump(int protocol, uint16_t type, const void* header, size_t header_size, std::string_view what,
                  const std::function<void(const nlmsghdr*)>& on_message, int* kernel_errno = nullptr) {
  NetlinkSocket netlink(protocol);
  MIG_RETURN_IF_ERROR(netlink.Open());
  struct {
    nlmsghdr message;
    alignas(NLMSG_ALIGNTO) unsigned char payload[64];
  } request{};
  request.message.nlmsg_len = NLMSG_LENGTH(header_size);
  request.message.nlmsg_type = type;
  request.message.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.message.nlmsg_seq = 1;
  std::memcpy(request.payload, header, header_size);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(netlink.fd(), &request, request.message.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel),
             sizeof(kernel)) < 0) {
    return absl::UnavailableError(absl::StrCat("netlink ", what, " request: ", strerror(errno)));
  }
  // Dump answers come in datagrams of at most a page or so; 64 KiB covers any kernel's choice.
  alignas(nlmsghdr) static thread_local unsigned char buffer[64 << 10];
  for (;;) {
    ssize_t n = recv(netlink.fd(), buffer, sizeof(buffer), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError(absl::StrCat("netlink ", what, " dump: ", strerror(errno)));
    }
    if (n == 0) return absl::DataLossError(absl::StrCat("netlink ", what, " dump ended early"));
    MIG_ASSIGN_OR_RETURN(bool done,
                         ForEachNetlinkMessage(buffer, static_cast<size_t>(n), what, on_message, kernel_errno));
    if (done) return absl::OkStatus();
  }
}

// The header of a message of type `Header` (ifinfomsg, ...), or nullptr when the message is too short for it.
template <typename Header>
const Header* HeaderOf(const nlmsghdr* message) {
  if (message->nlmsg_len < NLMSG_LENGTH(sizeof(Header))) return nullptr;
  return static_cast<const Header*>(NLMSG_DATA(message));
}

// The attributes after a message's `Header`, by type; the message must be long enough for the header.
template <typename Header>
std::map<int, std::pair<const void*, size_t>> Attributes(const nlmsghdr* message) {
  std::map<int, std::pair<const void*, size_t>> attributes;
  const Header* header = static_cast<const Header*>(NLMSG_DATA(message));
  int length = static_cast<int>(message->nlmsg_len) - NLMSG_LENGTH(sizeof(Header));
  for (const rtattr* attribute =
           reinterpret_cast<const rtattr*>(reinterpret_cast<const char*>(header) + NLMSG_ALIGN(sizeof(Header)));
       RTA_OK(attribute, length); attribute = RTA_NEXT(attribute, length)) {
    attributes[attribute->rta_type] = {RTA_DATA(attribute), RTA_PAYLOAD(attribute)};
  }
  return attributes;
}

bool ToIpAddress(int family, std::pair<const void*, size_t> data, IpAddress* address) {
  const uint8_t* bytes = static_cast<const uint8_t*>(data.first);
  if (family == AF_INET && data.second == 4) {
    *address = Ipv4FromBytes(bytes);
    return true;
  }
  if (family == AF_INET6 && data.second == 16) {
    *address = Ipv6FromBytes(bytes);
    return true;
  }
  return false;
}

std::map<int, std::string> InterfaceNames() {
  std::map<int, std::string> names;
  absl::StatusOr<std::vector<Interface>> interfaces = DumpInterfaces();
  if (interfaces.ok()) {
    for (const Interface& i : *interfaces) names[i.index] = i.name;
  }
  return names;
}

}  // namespace

std::string FormatMac(const unsigned char* bytes, size_t length) {
  bool nonzero = false;
  for (size_t i = 0; i < length; ++i) nonzero = nonzero || bytes[i] != 0;
  if (!nonzero) return "";
  std::string mac;
  for (size_t i = 0; i < length; ++i) {
    if (i > 0) mac += ':';
    absl::StrAppendFormat(&mac, "%02x", bytes[i]);
  }
  return mac;
}

absl::StatusOr<bool> ForEachNetlinkMessage(const unsigned char* data, size_t length, std::string_view what,
                                           const std::function<void(const nlmsghdr*)>& on_message, int* kernel_errno) {
  for (size_t offset = 0; offset + sizeof(nlmsghdr) <= length;) {
    const nlmsghdr* message = reinterpret_cast<const nlmsghdr*>(data + offset);
    if (message->nlmsg_len < sizeof(nlmsghdr) || message->nlmsg_len > length - offset) {
      return absl::DataLossError(absl::StrCat("netlink ", what, " dump: malformed message"));
    }
    offset += NLMSG_ALIGN(message->nlmsg_len);
    if (message->nlmsg_type == NLMSG_DONE) return true;
    if (message->nlmsg_type == NLMSG_ERROR) {
      const nlmsgerr* error = HeaderOf<nlmsgerr>(message);
      if (error == nullptr) return absl::DataLossError(absl::StrCat("netlink ", what, " dump: malformed error"));
      if (kernel_errno != nullptr) *kernel_errno = -error->error;
      return absl::UnavailableError(absl::StrCat("netlink ", what, " dump: ", strerror(-error->error)));
    }
    if (message->nlmsg_flags & NLM_F_DUMP_INTR) {
      return absl::AbortedError(absl::StrCat("netlink ", what, " dump interrupted by a change; try again"));
    }
    on_message(message);
  }
  return false;
}

std::optional<Interface> InterfaceFromMessage(const nlmsghdr* message) {
  const ifinfomsg* info = HeaderOf<ifinfomsg>(message);
  if (message->nlmsg_type != RTM_NEWLINK || info == nullptr) return std::nullopt;
  Interface interface;
  interface.index = info->ifi_index;
  auto attributes = Attributes<ifinfomsg>(message);
  if (auto name = attributes.find(IFLA_IFNAME); name != attributes.end()) {
    interface.name = std::string(static_cast<const char*>(name->second.first),
                                 strnlen(static_cast<const char*>(name->second.first), name->second.second));
  }
  if (auto mac = attributes.find(IFLA_ADDRESS); mac != attributes.end()) {
    interface.mac = FormatMac(static_cast<const unsigned char*>(mac->second.first), mac->second.second);
  }
  return interface;
}

std::optional<InterfaceAddress> AddressFromMessage(const nlmsghdr* message) {
  const ifaddrmsg* info = HeaderOf<ifaddrmsg>(message);
  if (message->nlmsg_type != RTM_NEWADDR || info == nullptr) return std::nullopt;
  auto attributes = Attributes<ifaddrmsg>(message);
  // On point-to-point links IFA_ADDRESS is the peer; IFA_LOCAL is always ours when present.
  auto local = attributes.find(IFA_LOCAL);
  if (local == attributes.end()) local = attributes.find(IFA_ADDRESS);
  InterfaceAddress address;
  address.interface_index = static_cast<int>(info->ifa_index);
  if (local == attributes.end() || !ToIpAddress(info->ifa_family, local->second, &address.address)) {
    return std::nullopt;
  }
  return address;
}

std::optional<std::pair<Neighbour, int>> NeighbourFromMessage(const nlmsghdr* message) {
  const ndmsg* info = HeaderOf<ndmsg>(message);
  if (message->nlmsg_type != RTM_NEWNEIGH || info == nullptr) return std::nullopt;
  if (info->ndm_state & NUD_NOARP) return std::nullopt;
  auto attributes = Attributes<ndmsg>(message);
  auto destination = attributes.find(NDA_DST);
  auto lladdr = attributes.find(NDA_LLADDR);
  if (destination == attributes.end() || lladdr == attributes.end()) return std::nullopt;
  Neighbour neighbour;
  if (!ToIpAddress(info->ndm_family, destination->second, &neighbour.address)) return std::nullopt;
  neighbour.mac = FormatMac(static_cast<const unsigned char*>(lladdr->second.first), lladdr->second.second);
  if (neighbour.mac.empty()) return std::nullopt;
  return std::make_pair(std::move(neighbour), info->ndm_ifindex);
}

std::optional<Socket> SocketFromMessage(const nlmsghdr* message, Protocol protocol) {
  const inet_diag_msg* diag = HeaderOf<inet_diag_msg>(message);
  if (message->nlmsg_type != SOCK_DIAG_BY_FAMILY || diag == nullptr) return std::nullopt;
  Socket socket;
  socket.protocol = protocol;
  socket.state = diag->idiag_state;
  socket.local_port = ntohs(diag->id.idiag_sport);
  socket.remote_port = ntohs(diag->id.idiag_dport);
  const uint8_t* source = reinterpret_cast<const uint8_t*>(diag->id.idiag_src);
  const uint8_t* destination = reinterpret_cast<const uint8_t*>(diag->id.idiag_dst);
  if (diag->idiag_family == AF_INET) {
    socket.local_address = Ipv4FromBytes(source);
    socket.remote_address = Ipv4FromBytes(destination);
  } else {
    socket.local_address = Ipv6FromBytes(source);
    socket.remote_address = Ipv6FromBytes(destination);
  }
  return socket;
}

absl::StatusOr<std::vector<Interface>> DumpInterfaces() {
  std::vector<Interface> interfaces;
  ifinfomsg request{};
  request.ifi_family = AF_UNSPEC;
  MIG_RETURN_IF_ERROR(
      Dump(NETLINK_ROUTE, RTM_GETLINK, &request, sizeof(request), "interface", [&](const nlmsghdr* message) {
        if (std::optional<Interface> interface = InterfaceFromMessage(message)) {
          interfaces.push_back(*std::move(interface));
        }
      }));
  return interfaces;
}

absl::StatusOr<std::vector<InterfaceAddress>> DumpAddresses() {
  std::vector<InterfaceAddress> addresses;
  ifaddrmsg request{};
  request.ifa_family = AF_UNSPEC;
  MIG_RETURN_IF_ERROR(
      Dump(NETLINK_ROUTE, RTM_GETADDR, &request, sizeof(request), "address", [&](const nlmsghdr* message) {
        if (std::optional<InterfaceAddress> address = AddressFromMessage(message)) addresses.push_back(*address);
      }));
  return addresses;
}

absl::StatusOr<std::vector<Neighbour>> DumpNeighbours() {
  std::vector<Neighbour> neighbours;
  std::vector<int> interface_indexes;
  ndmsg request{};
  request.ndm_family = AF_UNSPEC;
  MIG_RETURN_IF_ERROR(
      Dump(NETLINK_ROUTE, RTM_GETNEIGH, &request, sizeof(request), "neighbour", [&](const nlmsghdr* message) {
        if (std::optional<std::pair<Neighbour, int>> neighbour = NeighbourFromMessage(message)) {
          neighbours.push_back(std::move(neighbour->first));
          interface_indexes.push_back(neighbour->second);
        }
      }));
  std::map<int, std::string> names = InterfaceNames();
  for (size_t i = 0; i < neighbours.size(); ++i) neighbours[i].device = names[interface_indexes[i]];
  return neighbours;
}

absl::StatusOr<std::vector<Socket>> DumpSockets() {
  std::vector<Socket> sockets;
  for (Protocol protocol : {Protocol::kTcp, Protocol::kUdp}) {
    for (int family : {AF_INET, AF_INET6}) {
      inet_diag_req_v2 request{};
      request.sdiag_family = static_cast<uint8_t>(family);
      request.sdiag_protocol = protocol == Protocol::kTcp ? IPPROTO_TCP : IPPROTO_UDP;
      request.idiag_states = ~0u;
      int kernel_errno = 0;
      absl::Status status = Dump(
          NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY, &request, sizeof(request), "socket",
          [&](const nlmsghdr* message) {
            if (std::optional<Socket> socket = SocketFromMessage(message, protocol)) sockets.push_back(*socket);
          },
          &kernel_errno);
      // No IPv6 on this host: nothing to list in that family.
      if (!status.ok() && family == AF_INET6 && kernel_errno == EAFNOSUPPORT) continue;
      MIG_RETURN_IF_ERROR(status);
    }
  }
  return sockets;
}

}  // namespace mig::modules::netstat
