// Fuzzes what the timedrift module reads from outside: NTP replies (any host on the path can send them) and
// the host's NTP daemon configurations (ntp.conf, chrony.conf, timesyncd.conf) and the server names they
// hold. The first byte chooses the parser; any bytes are read or refused without crashing, a reply is
// judged and measured whatever its timestamps, and a packet reads back as it was written.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "modules/timedrift/servers.h"
#include "modules/timedrift/sntp.h"

namespace mig::modules::timedrift {
namespace {

void FuzzReply(std::string_view bytes) {
  absl::StatusOr<NtpPacket> packet = ParsePacket(bytes);
  if (!packet.ok()) return;
  absl::StatusOr<NtpPacket> again =
      ParsePacket(std::string_view(reinterpret_cast<const char*>(SerializePacket(*packet).data()), kNtpPacketSize));
  if (!again.ok() || again->leap != packet->leap || again->version != packet->version || again->mode != packet->mode ||
      again->stratum != packet->stratum || again->reference_id != packet->reference_id ||
      !(again->originate == packet->originate) || !(again->receive == packet->receive) ||
      !(again->transmit == packet->transmit)) {
    __builtin_trap();
  }
  // As a reply to the request it claims to answer (so every later check is reached), and to another one.
  (void)CheckReply(*packet, packet->originate);
  (void)CheckReply(*packet, NtpTimestamp{1, 2});
  absl::Time t1 = FromNtpTimestamp(packet->originate);
  Measurement m = Measure(t1, *packet, t1 + absl::Milliseconds(3));
  (void)absl::FormatDuration(m.offset);
  (void)absl::FormatDuration(m.delay);
}

void CheckServer(std::string_view text) {
  absl::StatusOr<NtpServer> parsed = ParseServer(text);
  if (parsed.ok() && (parsed->host.empty() || parsed->port == 0)) __builtin_trap();
}

// A configuration names servers, never an empty one.
void CheckServers(const std::vector<std::string>& servers) {
  for (const std::string& server : servers) {
    if (server.empty()) __builtin_trap();
    CheckServer(server);
  }
}

void FuzzOne(uint8_t selector, std::string_view bytes) {
  switch (selector % 5) {
    case 0:
      return FuzzReply(bytes);
    case 1:
      return CheckServers(ServersFromNtpConf(bytes));
    case 2:
      return CheckServers(ServersFromChronyConf(bytes));
    case 3:
      return CheckServers(ServersFromTimesyncdConf(bytes));
    default:
      return CheckServer(bytes);
  }
}

}  // namespace
}  // namespace mig::modules::timedrift

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  mig::modules::timedrift::FuzzOne(data[0], std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
