#include "modules/netstat/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace mig::modules::netstat {
namespace {

constexpr uint8_t kIpv4MappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

bool IpAddress::IsIpv4() const { return std::memcmp(bytes.data(), kIpv4MappedPrefix, 12) == 0; }

bool IpAddress::IsUnspecified() const {
  IpAddress any4 = Ipv4FromBytes(std::array<uint8_t, 4>{}.data());
  return *this == IpAddress{} || *this == any4;
}

IpAddress Ipv4FromBytes(const uint8_t bytes[4]) {
  IpAddress address;
  std::memcpy(address.bytes.data(), kIpv4MappedPrefix, 12);
  std::memcpy(address.bytes.data() + 12, bytes, 4);
  return address;
}

IpAddress Ipv6FromBytes(const uint8_t bytes[16]) {
  IpAddress address;
  std::memcpy(address.bytes.data(), bytes, 16);
  return address;
}

absl::StatusOr<IpAddress> ParseIp(std::string_view text) {
  std::string nul_terminated(text);
  uint8_t bytes[16];
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, nul_terminated.c_str(), bytes) == 1) return Ipv4FromBytes(bytes);
  } else if (inet_pton(AF_INET6, nul_terminated.c_str(), bytes) == 1) {
    return Ipv6FromBytes(bytes);
  }
  return absl::InvalidArgumentError(absl::StrCat("invalid IP address '", text, "'"));
}

std::string FormatIp(const IpAddress& address) {
  const std::array<uint8_t, 16>& b = address.bytes;
  if (address.IsIpv4()) return absl::StrFormat("%d.%d.%d.%d", b[12], b[13], b[14], b[15]);
  uint16_t groups[8];
  for (int i = 0; i < 8; ++i) groups[i] = static_cast<uint16_t>(b[2 * i] << 8 | b[2 * i + 1]);
  // RFC 5952: the longest run of two or more zero groups (the first of equal runs) becomes "::".
  int best_start = -1, best_length = 1;
  for (int i = 0; i < 8;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    int start = i;
    while (i < 8 && groups[i] == 0) ++i;
    if (i - start > best_length) {
      best_start = start;
      best_length = i - start;
    }
  }
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      out += "::";
      i += best_length - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    absl::StrAppend(&out, absl::Hex(groups[i]));
  }
  return out;
}

bool IpNetwork::Contains(const IpAddress& address) const {
  if (address.IsIpv4() != ipv4) return false;
  int full_bytes = prefix_bits / 8;
  if (std::memcmp(address.bytes.data(), base.bytes.data(), full_bytes) != 0) return false;
  int rest = prefix_bits % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (address.bytes[full_bytes] & mask) == (base.bytes[full_bytes] & mask);
}

absl::StatusOr<IpNetwork> ParseIpOrCidr(std::string_view text) {
  auto invalid = [&]() {
    return absl::InvalidArgumentError(absl::StrCat("invalid IP or CIDR '", text,
                                                   "': expected an address (10.1.2.3, 2001:db8::1) or a CIDR "
                                                   "(10.0.0.0/8, 2001:db8::/32)"));
  };
  size_t slash = text.find('/');
  absl::StatusOr<IpAddress> address = ParseIp(text.substr(0, slash));
  if (!address.ok()) return invalid();
  IpNetwork network;
  network.base = *address;
  network.ipv4 = address->IsIpv4();
  if (slash == std::string_view::npos) return network;
  std::string_view digits = text.substr(slash + 1);
  int bits = 0;
  // Go's ParseCIDR counts an IPv4 prefix in 32 bits, also for "::ffff:a.b.c.d/n" written in IPv6 form.
  bool written_as_ipv4 = text.substr(0, slash).find(':') == std::string_view::npos;
  int max_bits = written_as_ipv4 ? 32 : 128;
  if (!AllDigits(digits) || digits.size() > 3 || !absl::SimpleAtoi(digits, &bits) || bits > max_bits) {
    return invalid();
  }
  network.prefix_bits = written_as_ipv4 ? bits + 96 : bits;
  if (network.ipv4 && network.prefix_bits < 96) network.ipv4 = false;
  return network;
}

}  // namespace mig::modules::netstat
