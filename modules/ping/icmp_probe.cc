// ICMP echo for ProbeIcmp (declared in probe.h).
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "absl/time/clock.h"
#include "base/unique_fd.h"
#include "modules/ping/probe.h"
#include "modules/ping/probe_outcome.h"
#include "modules/ping/socket_wait.h"

namespace mig::modules::ping {
namespace {

constexpr uint8_t kEchoRequestV4 = 8;
constexpr uint8_t kEchoReplyV4 = 0;
constexpr uint8_t kEchoRequestV6 = 128;
constexpr uint8_t kEchoReplyV6 = 129;
constexpr size_t kEchoHeaderSize = 8;
constexpr std::string_view kPayload = "Ping!Ping!Ping!Ping!Ping!Ping!Ping!Ping!Ping!";  // MIG's

uint16_t InternetChecksum(const uint8_t* data, size_t size) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < size; i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (size % 2 == 1) sum += static_cast<uint32_t>(data[size - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// A raw socket sees every ICMP packet of the host, so each probe gets its own identifier to pick out its
// replies. Datagram ICMP sockets get one from the kernel (their local port) and see only their replies.
uint16_t NextIdentifier() {
  static std::atomic<uint32_t> counter{static_cast<uint32_t>(getpid()) * 2654435761u};
  return static_cast<uint16_t>(counter.fetch_add(40503u) >> 8);
}

struct IcmpSocket {
  int fd = -1;
  bool raw = false;
  int error = 0;
};

IcmpSocket OpenIcmpSocket(int family) {
  int protocol = family == AF_INET6 ? static_cast<int>(IPPROTO_ICMPV6) : static_cast<int>(IPPROTO_ICMP);
  IcmpSocket s;
  s.fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (s.fd >= 0) return s;
  s.fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  s.raw = true;
  if (s.fd < 0) s.error = errno;
  return s;
}

// Whether `packet` (the ICMP message, after any IP header) is the echo reply to our request.
bool IsOurReply(const uint8_t* packet, size_t size, int family, bool check_identifier, uint16_t identifier,
                uint16_t sequence) {
  if (size < kEchoHeaderSize) return false;
  uint8_t reply_type = family == AF_INET6 ? kEchoReplyV6 : kEchoReplyV4;
  if (packet[0] != reply_type || packet[1] != 0) return false;
  uint16_t got_identifier = static_cast<uint16_t>(packet[4] << 8 | packet[5]);
  uint16_t got_sequence = static_cast<uint16_t>(packet[6] << 8 | packet[7]);
  return got_sequence == sequence && (!check_identifier || got_identifier == identifier);
}

}  // namespace

ProbeOutcome ProbeIcmp(const Destination& destination, uint16_t sequence, absl::Time deadline,
                       const std::atomic<bool>* cancelled) {
  int family = destination.family();
  IcmpSocket icmp = OpenIcmpSocket(family);
  if (icmp.fd < 0) {
    ProbeOutcome outcome = OutcomeFromErrno(icmp.error, "opening an ICMP socket");
    outcome.status = ProbeStatus::kFailed;
    outcome.reason += " (an ICMP ping needs net.ipv4.ping_group_range to include our group, or root)";
    return outcome;
  }
  UniqueFd fd(icmp.fd);
  // Connected: the kernel then reports ICMP errors (host unreachable...) from the destination on this socket,
  // and a raw socket only sees packets from the destination.
  if (connect(fd.get(), destination.socket_address(), destination.length) != 0)
    return OutcomeFromErrno(errno, "connect");

  uint16_t identifier = NextIdentifier();
  uint8_t request[kEchoHeaderSize + kPayload.size()] = {};
  request[0] = family == AF_INET6 ? kEchoRequestV6 : kEchoRequestV4;
  request[4] = static_cast<uint8_t>(identifier >> 8);
  request[5] = static_cast<uint8_t>(identifier);
  request[6] = static_cast<uint8_t>(sequence >> 8);
  request[7] = static_cast<uint8_t>(sequence);
  std::memcpy(request + kEchoHeaderSize, kPayload.data(), kPayload.size());
  if (family == AF_INET) {  // the kernel computes ICMPv6 checksums itself (they cover the IPv6 addresses)
    uint16_t checksum = InternetChecksum(request, sizeof(request));
    request[2] = static_cast<uint8_t>(checksum >> 8);
    request[3] = static_cast<uint8_t>(checksum);
  }

  absl::Time start = absl::Now();
  if (send(fd.get(), request, sizeof(request), 0) < 0) return OutcomeFromErrno(errno, "send");
  uint8_t buffer[1500];
  while (true) {
    WaitResult wait = WaitForSocket(fd.get(), POLLIN, deadline, cancelled);
    if (wait != WaitResult::kReady) return OutcomeFromWait(wait, "receive");
    ssize_t n = recv(fd.get(), buffer, sizeof(buffer), 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return OutcomeFromErrno(errno, "receive");
    }
    const uint8_t* message = buffer;
    size_t size = static_cast<size_t>(n);
    if (icmp.raw && family == AF_INET) {  // raw IPv4 sockets deliver the IP header too
      size_t header = static_cast<size_t>(buffer[0] & 0x0f) * 4;
      if (size < header) continue;
      message += header;
      size -= header;
    }
    if (IsOurReply(message, size, family, icmp.raw, identifier, sequence)) {
      ProbeOutcome outcome;
      outcome.status = ProbeStatus::kAnswered;
      outcome.latency = absl::Now() - start;
      return outcome;
    }
  }
}

}  // namespace mig::modules::ping
