// IP addresses and networks as MIG's netstat module compares them (Go's net.IP and net.IPNet semantics):
// IPv4 and IPv4-mapped IPv6 addresses (::ffff:10.0.0.1) are the same address, an IPv4 network contains only
// IPv4 addresses and an IPv6 network only IPv6 ones, and addresses print as Go prints them.
//
//   MIG_ASSIGN_OR_RETURN(IpNetwork network, ParseIpOrCidr("10.0.0.0/8"));   // or "10.1.2.3", "2001:db8::/32"
//   if (network.Contains(address)) std::cout << FormatIp(address);         // "10.1.2.3", "2001:db8::1"
#ifndef MIG_MODULES_NETSTAT_IP_ADDRESS_H_
#define MIG_MODULES_NETSTAT_IP_ADDRESS_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace mig::modules::netstat {

// Always 16 bytes; IPv4 addresses are stored IPv4-mapped, as Go does.
struct IpAddress {
  std::array<uint8_t, 16> bytes{};

  bool IsIpv4() const;
  bool IsUnspecified() const;  // 0.0.0.0 or ::
  friend bool operator==(const IpAddress& a, const IpAddress& b) { return a.bytes == b.bytes; }
  friend bool operator<(const IpAddress& a, const IpAddress& b) { return a.bytes < b.bytes; }
};

IpAddress Ipv4FromBytes(const uint8_t bytes[4]);
IpAddress Ipv6FromBytes(const uint8_t bytes[16]);

// "10.0.0.1", "::1", "::ffff:10.0.0.1" (the same as "10.0.0.1"); no zone, no prefix.
absl::StatusOr<IpAddress> ParseIp(std::string_view text);

// Go's net.IP.String(): dotted quad for IPv4 (and IPv4-mapped), RFC 5952 for IPv6.
std::string FormatIp(const IpAddress& address);

struct IpNetwork {
  IpAddress base;
  int prefix_bits = 128;  // counted in the 128-bit space: an IPv4 /24 is 96 + 24
  bool ipv4 = false;

  bool Contains(const IpAddress& address) const;
};

// An address (a network of one) or a CIDR ("10.0.0.0/8", "2001:db8::/32"); the error names the value.
absl::StatusOr<IpNetwork> ParseIpOrCidr(std::string_view text);

}  // namespace mig::modules::netstat

#endif  // MIG_MODULES_NETSTAT_IP_ADDRESS_H_
