// The kernel's socket and ARP tables as /proc/<pid>/net/{tcp,tcp6,udp,udp6,arp} show them (each file shows
// the network namespace of that process; /proc/self/net is our own).
//
//   MIG_ASSIGN_OR_RETURN(std::vector<Socket> sockets, ReadSockets("/proc/self/net"));
//   for (const Socket& s : sockets) if (s.IsListening()) ...
#ifndef MIG_MODULES_NETSTAT_PROC_NET_H_
#define MIG_MODULES_NETSTAT_PROC_NET_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "modules/netstat/ip_address.h"

namespace mig::modules::netstat {

enum class Protocol { kTcp, kUdp };
std::string_view ProtocolName(Protocol protocol);  // "tcp", "udp"

struct Socket {
  Protocol protocol = Protocol::kTcp;
  IpAddress local_address;
  uint16_t local_port = 0;
  IpAddress remote_address;
  uint16_t remote_port = 0;
  uint8_t state = 0;  // the kernel's TCP state numbers, also used for UDP (1 connected, 7 unconnected)

  // What `ss -l` lists: TCP sockets in LISTEN, UDP sockets bound but not connected.
  bool IsListening() const;
  // What has a peer: any TCP socket but a listening one, a connected UDP socket.
  bool IsConnected() const;
};

// Parses one of the tcp/tcp6/udp/udp6 tables (header line first); the error names `source` and the line.
absl::StatusOr<std::vector<Socket>> ParseSocketTable(std::string_view text, Protocol protocol, std::string_view source);

// Reads tcp, tcp6, udp and udp6 under `net_directory` ("/proc/self/net", "/proc/1234/net"). A table that
// does not exist (no IPv6 on this host) is empty, not an error.
absl::StatusOr<std::vector<Socket>> ReadSockets(const std::string& net_directory);

struct Neighbour {
  IpAddress address;
  std::string mac;  // "02:fc:00:00:00:05", lower case
  std::string device;
};

// Parses the arp table, keeping only complete entries (those with a hardware address).
absl::StatusOr<std::vector<Neighbour>> ParseArpTable(std::string_view text, std::string_view source);
absl::StatusOr<std::vector<Neighbour>> ReadArpTable(const std::string& net_directory);

}  // namespace mig::modules::netstat

#endif  // MIG_MODULES_NETSTAT_PROC_NET_H_
