// Fuzzes the netstat module's readers of the kernel's tables: /proc/<pid>/net/{tcp,udp,arp} text (of any
// network namespace, through any process of the host), rtnetlink and sock_diag datagrams, and the IP
// addresses and networks it compares them with. The first byte chooses the parser; any bytes are parsed or
// refused without crashing or reading outside them, and addresses print and parse back to themselves.
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "modules/netstat/ip_address.h"
#include "modules/netstat/netlink.h"
#include "modules/netstat/proc_net.h"

namespace mig::modules::netstat {
namespace {

void CheckRoundTrip(const IpAddress& address) {
  absl::StatusOr<IpAddress> again = ParseIp(FormatIp(address));
  if (!again.ok() || !(*again == address)) __builtin_trap();
}

// The datagram in a buffer of exactly its size (so that a read past it is caught), aligned as recv's is.
void ParseDatagram(std::string_view bytes, Protocol protocol) {
  std::unique_ptr<unsigned char[]> datagram(new unsigned char[bytes.size()]);
  if (!bytes.empty()) std::memcpy(datagram.get(), bytes.data(), bytes.size());
  int kernel_errno = 0;
  auto on_message = [&](const nlmsghdr* message) {
    if (std::optional<Interface> interface = InterfaceFromMessage(message)) {
      if (interface->name.size() > bytes.size()) __builtin_trap();
    }
    if (std::optional<InterfaceAddress> address = AddressFromMessage(message)) CheckRoundTrip(address->address);
    if (std::optional<std::pair<Neighbour, int>> neighbour = NeighbourFromMessage(message)) {
      CheckRoundTrip(neighbour->first.address);
      if (neighbour->first.mac.empty()) __builtin_trap();
    }
    if (std::optional<Socket> socket = SocketFromMessage(message, protocol)) {
      CheckRoundTrip(socket->local_address);
      CheckRoundTrip(socket->remote_address);
    }
  };
  (void)ForEachNetlinkMessage(datagram.get(), bytes.size(), "fuzz", on_message, &kernel_errno);
}

void FuzzOne(uint8_t selector, std::string_view input) {
  switch (selector % 6) {
    case 0:
    case 1: {
      Protocol protocol = selector % 6 == 0 ? Protocol::kTcp : Protocol::kUdp;
      absl::StatusOr<std::vector<Socket>> sockets = ParseSocketTable(input, protocol, "tcp");
      if (!sockets.ok()) return;
      for (const Socket& socket : *sockets) {
        CheckRoundTrip(socket.local_address);
        CheckRoundTrip(socket.remote_address);
        (void)socket.IsListening();
        (void)socket.IsConnected();
      }
      return;
    }
    case 2: {
      absl::StatusOr<std::vector<Neighbour>> neighbours = ParseArpTable(input, "arp");
      if (!neighbours.ok()) return;
      for (const Neighbour& neighbour : *neighbours) CheckRoundTrip(neighbour.address);
      return;
    }
    case 3:
      ParseDatagram(input, Protocol::kTcp);
      return;
    case 4:
      ParseDatagram(input, Protocol::kUdp);
      return;
    default: {
      if (absl::StatusOr<IpAddress> address = ParseIp(input); address.ok()) CheckRoundTrip(*address);
      absl::StatusOr<IpNetwork> network = ParseIpOrCidr(input);
      if (!network.ok()) return;
      if (network->prefix_bits < 0 || network->prefix_bits > 128) __builtin_trap();
      CheckRoundTrip(network->base);
      (void)network->Contains(network->base);
      return;
    }
  }
}

}  // namespace
}  // namespace mig::modules::netstat

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  mig::modules::netstat::FuzzOne(data[0], std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
