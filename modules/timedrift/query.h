// One SNTP exchange with one server, bounded by a deadline:
//
//   ServerReport r = QueryServer(server, absl::Now() + absl::Seconds(5), stop);
//   if (r.reachable) ... r.offset, r.round_trip ...; else r.error says why.
#ifndef MIG_MODULES_TIMEDRIFT_QUERY_H_
#define MIG_MODULES_TIMEDRIFT_QUERY_H_

#include <atomic>
#include <string>

#include "absl/time/time.h"
#include "modules/timedrift/servers.h"

namespace mig::modules::timedrift {

struct ServerReport {
  std::string name;     // as configured
  std::string address;  // what it resolved to, "ip:port"
  bool reachable = false;
  absl::Duration offset;      // network time minus local time
  absl::Duration delay;       // network round trip, without the server's own time
  absl::Duration round_trip;  // request to reply, as MIG's latency
  absl::Time server_time;     // the server's time when its reply arrived
  int stratum = 0;
  std::string error;  // why not reachable
};

// Resolves the server, sends one request and waits for its reply until `deadline` or until `stop` is set.
ServerReport QueryServer(const NtpServer& server, absl::Time deadline, const std::atomic<bool>& stop);

}  // namespace mig::modules::timedrift

#endif  // MIG_MODULES_TIMEDRIFT_QUERY_H_
