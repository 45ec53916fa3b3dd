// One ping of a destination, by TCP connect, UDP datagram or ICMP echo, bounded by a deadline:
//
//   ProbeOutcome o = ProbeTcp(destination, absl::Now() + absl::Seconds(5), &cancelled);
//   if (o.status == ProbeStatus::kAnswered) ... o.latency ...
#ifndef MIG_MODULES_PING_PROBE_H_
#define MIG_MODULES_PING_PROBE_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "modules/ping/destination.h"

namespace mig::modules::ping {

enum class ProbeStatus {
  kAnswered,  // connected (tcp), a reply came back (udp, icmp)
  kRefused,   // connection refused, port or host unreachable: the network said no
  kTimedOut,  // nothing came back before the deadline
  kFailed,    // the probe itself could not be made (no permission, no route, ...)
};

struct ProbeOutcome {
  ProbeStatus status = ProbeStatus::kFailed;
  absl::Duration latency;  // from sending to the answer (kAnswered only)
  std::string reason;      // what the network or the system said, when not answered
  int error = 0;           // the errno behind the reason, if any
};

// A TCP connect() (then closed): answered when the handshake completes.
ProbeOutcome ProbeTcp(const Destination& destination, absl::Time deadline, const std::atomic<bool>* cancelled);

// A datagram on a connected UDP socket: answered when any datagram comes back; an ICMP port unreachable
// shows as kRefused (ECONNREFUSED); silence is kTimedOut, which for UDP may mean an open port.
ProbeOutcome ProbeUdp(const Destination& destination, absl::Time deadline, const std::atomic<bool>* cancelled);

// An ICMP (or ICMPv6) echo request with this sequence number: answered by the matching echo reply. Uses an
// unprivileged ICMP datagram socket where net.ipv4.ping_group_range allows it, else a raw socket (root).
ProbeOutcome ProbeIcmp(const Destination& destination, uint16_t sequence, absl::Time deadline,
                       const std::atomic<bool>* cancelled);

}  // namespace mig::modules::ping

#endif  // MIG_MODULES_PING_PROBE_H_
