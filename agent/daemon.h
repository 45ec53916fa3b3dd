// `mig agent`: the endpoint daemon. It connects to the relay (RabbitMQ) with its certificate, says it is
// alive every HEARTBEATFREQ, takes commands from its own queue one at a time, runs each (command_handler:
// authorization, one child process per operation, time limits) and publishes the result.
//
// Nothing it produced is lost: a result is written to the outbox on disk before the command is
// acknowledged to the broker, and leaves the outbox only once the broker confirmed it. When the broker goes
// away the agent reconnects with exponential backoff and jitter (so that a fleet does not come back in
// lockstep) and sends what waited. It never runs an action twice: the replay cache refuses a command
// redelivered after a crash, and that refusal is reported like any other.
//
// Checkin mode (for hosts that cannot keep a daemon): connect, heartbeat, drain the queue, send every
// result, exit.
//
//   AgentOptions options{.config = *config, .version = "0.1.0"};
//   absl::Status done = RunAgent(options);   // returns when *options.stop becomes true, or in checkin mode
#ifndef MIG_AGENT_DAEMON_H_
#define MIG_AGENT_DAEMON_H_

#include <atomic>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "embedded_conf/config.h"

namespace mig::agent {

struct AgentOptions {
  conf::Config config;
  std::string version;
  std::string binary = "/proc/self/exe";  // what runs `mig module-run`
  bool checkin = false;                   // or config.agent.checkin
  const std::atomic<bool>* stop = nullptr;
  // AMQP heartbeat proposed to the broker: a dead link is noticed within about twice this.
  absl::Duration amqp_heartbeat = absl::Seconds(30);
  // Reconnection backoff: doubles from `min` to `max`, each wait drawn at random in [wait/2, wait].
  absl::Duration reconnect_min = absl::Seconds(1);
  absl::Duration reconnect_max = absl::Minutes(2);
  // Checkin mode: an empty queue for this long means the work is done.
  absl::Duration checkin_drain = absl::Seconds(3);
  // Checkin mode: connection attempts before giving up.
  int checkin_attempts = 5;
};

// Runs until *stop is set (daemon) or the queue is drained (checkin). Errors: the configuration cannot make
// an agent (no relay, no certificate, a state directory it cannot use); in checkin mode also a relay that
// stayed unreachable. A daemon never gives up on the relay.
absl::Status RunAgent(const AgentOptions& options);

// The agent's name: the common name of its client certificate (what the broker logs it in as) or, for a
// plain amqp:// relay, the URL's user. Checked with protocol::CheckAgentName.
absl::StatusOr<std::string> AgentName(const conf::Config& config);

}  // namespace mig::agent

#endif  // MIG_AGENT_DAEMON_H_
