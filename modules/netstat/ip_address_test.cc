#include "modules/netstat/ip_address.h"

#include "catch2/catch.hpp"

namespace mig::modules::netstat {
namespace {

struct FormatCase {
  const char* input;
  const char* printed;  // as Go's net.IP.String() prints it
};

TEST_CASE("ParseIp and FormatIp read and print addresses as Go does") {
  const FormatCase cases[] = {
      {"10.1.2.3", "10.1.2.3"},
      {"0.0.0.0", "0.0.0.0"},
      {"::ffff:10.1.2.3", "10.1.2.3"},
      {"::", "::"},
      {"::1", "::1"},
      {"2001:DB8::1", "2001:db8::1"},
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
      {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
      {"fe80::fc:ff:fe00:1", "fe80::fc:ff:fe00:1"},
      {"1:0:0:2:0:0:0:3", "1:0:0:2::3"},
      {"0:0:1::", "0:0:1::"},
  };
  for (const FormatCase& c : cases) {
    INFO(c.input);
    absl::StatusOr<IpAddress> address = ParseIp(c.input);
    REQUIRE(address.ok());
    CHECK(FormatIp(*address) == c.printed);
  }
  for (const char* bad :
       {"", "10.1.2", "10.1.2.256", "1.2.3.4.5", "fe80::1%eth0", "2001:db8:::1", "abc", " 1.2.3.4", "10.0.0.0/8"}) {
    INFO(bad);
    CHECK_FALSE(ParseIp(bad).ok());
  }
}

struct ContainsCase {
  const char* network;
  const char* address;
  bool contained;
};

TEST_CASE("IpNetwork::Contains follows Go's net.IPNet") {
  const ContainsCase cases[] = {
      {"10.0.0.0/8", "10.255.1.2", true},
      {"10.0.0.0/8", "11.0.0.1", false},
      {"10.1.2.3", "10.1.2.3", true},
      {"10.1.2.3", "10.1.2.4", false},
      {"10.1.2.3/8", "10.9.9.9", true},  // host bits in a CIDR are ignored, as by Go's ParseCIDR
      {"10.0.0.0/8", "::ffff:10.0.0.1", true},
      {"0.0.0.0/0", "1.2.3.4", true},
      {"0.0.0.0/0", "::1", false},
      {"::/0", "1.2.3.4", false},
      {"::/0", "2001:db8::1", true},
      {"2001:db8::/32", "2001:db8:ffff::1", true},
      {"2001:db8::/32", "2001:db9::1", false},
      {"2001:db8::/33", "2001:db8:8000::1", false},
      {"2001:db8::/33", "2001:db8:7fff::1", true},
      {"::1", "::1", true},
      {"::ffff:10.0.0.0/104", "10.1.1.1", true},
      {"192.168.1.128/25", "192.168.1.200", true},
      {"192.168.1.128/25", "192.168.1.127", false},
  };
  for (const ContainsCase& c : cases) {
    INFO(c.network << " contains " << c.address);
    absl::StatusOr<IpNetwork> network = ParseIpOrCidr(c.network);
    REQUIRE(network.ok());
    absl::StatusOr<IpAddress> address = ParseIp(c.address);
    REQUIRE(address.ok());
    CHECK(network->Contains(*address) == c.contained);
  }
  for (const char* bad : {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "::/129", "10.0.0/8", "/8", "10.0.0.0/8/8",
                          "10.0.0.0/0x8", "10.0.0.0/ 8"}) {
    INFO(bad);
    absl::StatusOr<IpNetwork> network = ParseIpOrCidr(bad);
    REQUIRE_FALSE(network.ok());
    CHECK(network.status().message().find(bad) != std::string_view::npos);
  }
}

}  // namespace
}  // namespace mig::modules::netstat
