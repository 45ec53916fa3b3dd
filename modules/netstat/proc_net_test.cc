#include "modules/netstat/proc_net.h"

#include "catch2/catch.hpp"

namespace mig::modules::netstat {
namespace {

// Real lines from a little-endian host's tables.
constexpr char kTcp[] =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 3500007F:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101        0 18427 1 0 100 0 0 10 "
    "0\n"
    "   1: 0202000A:0016 0102000A:D431 01 00000000:00000000 02:0009E2B1 00000000     0        0 51234 4 0 20 4 29 10 "
    "-1\n";
constexpr char kTcp6[] =
    "  sl  local_address                         remote_address                        st tx_queue rx_queue tr "
    "tm->when retrnsmt   uid  timeout inode\n"
    "   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 "
    "00:00000000 00000000     0        0 18430 1 0 100 0 0 2 -1\n"
    "   1: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:C350 01 00000000:00000000 "
    "00:00000000 00000000  1000        0 9 1 0 20 4 30 10 -1\n"
    "   2: B80D0120000000000000000001000000:01BB B80D0120000000000000000002000000:C001 06 00000000:00000000 "
    "03:00001770 00000000     0        0 0 3 0\n";
constexpr char kUdp[] =
    "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer "
    "drops\n"
    "  123: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 18426 2 0 0\n"
    "  124: 0100007F:9C40 0100007F:0035 01 00000000:00000000 00:00000000 00000000  1000        0 7 2 0 0\n";

TEST_CASE("ParseSocketTable reads IPv4 and IPv6 tables") {
  absl::StatusOr<std::vector<Socket>> tcp = ParseSocketTable(kTcp, Protocol::kTcp, "tcp");
  REQUIRE(tcp.ok());
  REQUIRE(tcp->size() == 2);
  CHECK(FormatIp((*tcp)[0].local_address) == "127.0.0.53");
  CHECK((*tcp)[0].local_port == 53);
  CHECK((*tcp)[0].IsListening());
  CHECK_FALSE((*tcp)[0].IsConnected());
  CHECK(FormatIp((*tcp)[1].local_address) == "10.0.2.2");
  CHECK((*tcp)[1].local_port == 22);
  CHECK(FormatIp((*tcp)[1].remote_address) == "10.0.2.1");
  CHECK((*tcp)[1].remote_port == 0xD431);
  CHECK((*tcp)[1].IsConnected());
  CHECK_FALSE((*tcp)[1].IsListening());

  absl::StatusOr<std::vector<Socket>> tcp6 = ParseSocketTable(kTcp6, Protocol::kTcp, "tcp6");
  REQUIRE(tcp6.ok());
  REQUIRE(tcp6->size() == 3);
  CHECK(FormatIp((*tcp6)[0].local_address) == "::");
  CHECK((*tcp6)[0].IsListening());
  CHECK(FormatIp((*tcp6)[1].local_address) == "127.0.0.1");  // IPv4-mapped
  CHECK(FormatIp((*tcp6)[1].remote_address) == "127.0.0.1");
  CHECK((*tcp6)[1].remote_port == 50000);
  CHECK(FormatIp((*tcp6)[2].local_address) == "2001:db8::1");
  CHECK(FormatIp((*tcp6)[2].remote_address) == "2001:db8::2");
  CHECK((*tcp6)[2].IsConnected());  // TIME_WAIT still has its peer

  absl::StatusOr<std::vector<Socket>> udp = ParseSocketTable(kUdp, Protocol::kUdp, "udp");
  REQUIRE(udp.ok());
  REQUIRE(udp->size() == 2);
  CHECK((*udp)[0].IsListening());
  CHECK_FALSE((*udp)[0].IsConnected());
  CHECK_FALSE((*udp)[1].IsListening());
  CHECK((*udp)[1].IsConnected());
  CHECK((*udp)[1].remote_port == 53);

  CHECK(ParseSocketTable("header only\n", Protocol::kTcp, "tcp")->empty());
  for (const char* bad : {"h\n 0: 0100007F 00000000:0000 0A\n", "h\n 0: 0100007Z:0016 00000000:0000 0A\n",
                          "h\n 0: 0100007F:0016 00000000:0000\n", "h\n 0: 0100007F:10016 00000000:0000 0A\n",
                          "h\n 0: 100007F:0016 00000000:0000 0A\n"}) {
    INFO(bad);
    absl::StatusOr<std::vector<Socket>> sockets = ParseSocketTable(bad, Protocol::kTcp, "/proc/net/tcp");
    REQUIRE_FALSE(sockets.ok());
    CHECK(sockets.status().message().find("/proc/net/tcp") != std::string_view::npos);
  }
}

TEST_CASE("ParseArpTable keeps complete entries") {
  constexpr char kArp[] =
      "IP address       HW type     Flags       HW address            Mask     Device\n"
      "192.0.2.1        0x1         0x2         02:FC:00:00:00:05     *        eth0\n"
      "192.0.2.9        0x1         0x0         00:00:00:00:00:00     *        eth0\n"
      "10.0.0.1         0x1         0x6         8c:70:5a:c8:be:50     *        wlan0\n";
  absl::StatusOr<std::vector<Neighbour>> neighbours = ParseArpTable(kArp, "arp");
  REQUIRE(neighbours.ok());
  REQUIRE(neighbours->size() == 2);
  CHECK(FormatIp((*neighbours)[0].address) == "192.0.2.1");
  CHECK((*neighbours)[0].mac == "02:fc:00:00:00:05");
  CHECK((*neighbours)[0].device == "eth0");
  CHECK((*neighbours)[1].mac == "8c:70:5a:c8:be:50");
  CHECK_FALSE(ParseArpTable("h\nnot-an-ip 0x1 0x2 00:11:22:33:44:55 * eth0\n", "arp").ok());
  CHECK_FALSE(ParseArpTable("h\n10.0.0.1 0x1\n", "arp").ok());
}

}  // namespace
}  // namespace mig::modules::netstat
