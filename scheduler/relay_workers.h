// The scheduler's side of the relay: three threads, each with its own broker connection and its own
// database connection, each reconnecting by itself when the broker goes away.
//
//   dispatcher   publishes the commands the database holds and the broker has not confirmed yet (one per
//                targeted agent), marks them published once confirmed; expires unanswered commands of
//                expired actions; moves agents online -> idle -> offline as their heartbeats stop.
//   results      takes results from mig.scheduler.results in batches, records them in one transaction, and
//                only then acknowledges them: a scheduler killed at any moment loses nothing, and a result
//                delivered twice is recorded once.
//   heartbeats   the same for mig.scheduler.heartbeats: the agent registry.
//
// Who sent a message is what the broker vouches for, the routing key (an agent may publish only under its
// own name): a heartbeat naming another agent, or a result for another agent's command, is dropped and
// logged.
//
//   MIG_ASSIGN_OR_RETURN(auto workers, RelayWorkers::Start({.database = "/var/lib/mig/scheduler.db",
//                                                           .relay = connection_options}));
//   workers->CommandsCreated();   // after the API stored an action's commands: publish now
//   workers->Stop();
#ifndef MIG_SCHEDULER_RELAY_WORKERS_H_
#define MIG_SCHEDULER_RELAY_WORKERS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/amqp/connection.h"
#include "scheduler/store.h"

namespace mig::scheduler {

inline constexpr std::string_view kResultsQueue = "mig.scheduler.results";
inline constexpr std::string_view kHeartbeatsQueue = "mig.scheduler.heartbeats";

struct RelayWorkerOptions {
  std::string database;
  amqp::ConnectionOptions relay;  // the scheduler's login; publisher confirms are turned on here
  StatusPolicy status_policy;
  // Often enough that an agent that stopped is seen idle a few seconds after its third missed heartbeat.
  absl::Duration refresh_statuses_every = absl::Seconds(2);
  absl::Duration expire_commands_every = absl::Seconds(1);
  // Messages recorded per transaction, and the broker's prefetch for the consumers.
  int batch = 500;
  // A batch also stops growing once its messages hold this many bytes (a batch always takes one): a queue of
  // results near protocol::kMaxResultBytes each is taken one or two at a time, never a prefetch's worth.
  size_t batch_bytes = 16 << 20;
  absl::Duration reconnect_min = absl::Milliseconds(500);
  absl::Duration reconnect_max = absl::Seconds(30);
};

class RelayWorkers {
 public:
  // Opens the database (creating its tables) and starts the threads; they connect by themselves.
  static absl::StatusOr<std::unique_ptr<RelayWorkers>> Start(const RelayWorkerOptions& options);
  ~RelayWorkers();  // Stop()

  // Wakes the dispatcher: new commands wait in the database.
  void CommandsCreated();
  // Stops the threads (each finishes its batch: what was recorded is acknowledged).
  void Stop();

  // For tests and logs: totals since start.
  int64_t commands_published() const { return commands_published_.load(); }
  int64_t results_recorded() const { return results_recorded_.load(); }
  int64_t heartbeats_recorded() const { return heartbeats_recorded_.load(); }

 private:
  explicit RelayWorkers(const RelayWorkerOptions& options) : options_(options) {}
  // Runs `session` (one connection's worth of work) again and again with backoff until stopped.
  // `max_body_bytes`: the largest message the session's connection takes (amqp::ConnectionOptions).
  void Loop(std::string_view name, absl::Status (RelayWorkers::*session)(Store&, amqp::Connection&),
            uint64_t max_body_bytes);
  absl::Status DispatchSession(Store& store, amqp::Connection& amqp);
  absl::Status ResultsSession(Store& store, amqp::Connection& amqp);
  absl::Status HeartbeatsSession(Store& store, amqp::Connection& amqp);
  // Waits up to `timeout` for CommandsCreated or Stop.
  void WaitForWork(absl::Duration timeout);
  bool WorkPendingOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  RelayWorkerOptions options_;
  // Set under mutex_ (as well as read without it) so that a waiting WaitForWork sees it.
  std::atomic<bool> stopping_{false};
  absl::Mutex mutex_;
  bool work_pending_ ABSL_GUARDED_BY(mutex_) = true;
  std::atomic<int64_t> commands_published_{0};
  std::atomic<int64_t> results_recorded_{0};
  std::atomic<int64_t> heartbeats_recorded_{0};
  // Since when the heartbeats consumer has been receiving without a break (Unix nanoseconds); kNotListening
  // while it is not: agents are judged idle or offline only on heartbeats missed while it listened.
  static constexpr int64_t kNotListening = INT64_MAX;
  std::atomic<int64_t> listening_since_nanos_{kNotListening};
  std::thread dispatcher_, results_, heartbeats_;
};

}  // namespace mig::scheduler

#endif  // MIG_SCHEDULER_RELAY_WORKERS_H_
