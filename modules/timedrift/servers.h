// Which NTP servers to ask: named in the parameters, else the ones the host's NTP daemon uses (ntpd,
// chrony, systemd-timesyncd), else MIG's fallback pool.
//
//   MIG_ASSIGN_OR_RETURN(NtpServer s, ParseServer("[::1]:1123"));   // host "::1", port 1123
//   ServerList list = ConfiguredServers("/");   // list.source: "/etc/chrony/chrony.conf"
#ifndef MIG_MODULES_TIMEDRIFT_SERVERS_H_
#define MIG_MODULES_TIMEDRIFT_SERVERS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace mig::modules::timedrift {

inline constexpr uint16_t kNtpPort = 123;

struct NtpServer {
  std::string name;  // as given: "0.pool.ntp.org", "127.0.0.1:1123"
  std::string host;
  uint16_t port = kNtpPort;
};

// "host", "host:port", "[ipv6]", "[ipv6]:port" or a bare IPv6 address.
absl::StatusOr<NtpServer> ParseServer(std::string_view text);

// MIG's fallback servers, used when neither the parameters nor the host name any.
const std::vector<std::string>& MigFallbackServers();

// The servers named by each configuration format ("server", "pool" and "peer" lines; chrony's "port"
// option; timesyncd's NTP=, else FallbackNTP=). ntpd's local reference clocks (127.127.x.x) are skipped.
std::vector<std::string> ServersFromNtpConf(std::string_view text);
std::vector<std::string> ServersFromChronyConf(std::string_view text);
std::vector<std::string> ServersFromTimesyncdConf(std::string_view text);

struct ServerList {
  std::vector<std::string> servers;
  std::string source;  // the file(s) they came from, "parameters", or "MIG's fallback pool"
};

// The servers of the first NTP daemon configured under `root` ("/" on a host): /etc/ntp.conf, then
// chrony's /etc/chrony/chrony.conf, /etc/chrony.conf and /etc/chrony/sources.d/*.sources, then
// /etc/systemd/timesyncd.conf and its timesyncd.conf.d/*.conf; else MIG's fallback pool.
ServerList ConfiguredServers(const std::string& root);

}  // namespace mig::modules::timedrift

#endif  // MIG_MODULES_TIMEDRIFT_SERVERS_H_
