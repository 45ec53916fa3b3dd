#include "scheduler/relay_workers.h"

#include <deque>
#include <random>

#include "absl/strings/str_cat.h"
#include "base/json/reader.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "protocol/messages.h"

namespace mig::scheduler {
namespace {

constexpr std::string_view kLog = "scheduler";

CommandStatus ToCommandStatus(protocol::ResultStatus status) {
  switch (status) {
    case protocol::ResultStatus::kSuccess:
      return CommandStatus::kSuccess;
    case protocol::ResultStatus::kFailed:
      return CommandStatus::kFailed;
    case protocol::ResultStatus::kRefused:
      return CommandStatus::kRefused;
    case protocol::ResultStatus::kTimeout:
      return CommandStatus::kTimeout;
    case protocol::ResultStatus::kExpired:
      return CommandStatus::kExpired;
  }
  return CommandStatus::kFailed;
}

// Whether any operation's module result says it found something (MIG's "foundanything").
bool FoundAnything(const protocol::Result& result) {
  for (const std::string& operation : result.operation_results) {
    absl::StatusOr<std::unique_ptr<json::JsonDocument>> document =
        json::JsonDocument::Parse(operation, "module result", protocol::kMaxResultBytes);
    if (!document.ok()) continue;
    simdjson::dom::element root = (*document)->root();
    bool found = false;
    if (root.is_object() && root["foundanything"].get(found) == simdjson::SUCCESS && found) return true;
  }
  return false;
}

// Takes what the consumer has: the first delivery waits up to `wait`, the rest only what already arrived.
// At most `limit` deliveries, and none more once they hold `limit_bytes`: what is not taken stays with the
// broker (or in the socket), not in memory.
absl::StatusOr<std::vector<amqp::Delivery>> NextBatch(amqp::Connection& amqp, absl::Duration wait, int limit,
                                                      size_t limit_bytes) {
  std::vector<amqp::Delivery> batch;
  MIG_ASSIGN_OR_RETURN(std::optional<amqp::Delivery> first, amqp.Next(wait));
  if (!first) return batch;
  size_t bytes = first->body.size();
  batch.push_back(*std::move(first));
  while (static_cast<int>(batch.size()) < limit && bytes < limit_bytes) {
    MIG_ASSIGN_OR_RETURN(std::optional<amqp::Delivery> more, amqp.Next(absl::ZeroDuration()));
    if (!more) break;
    bytes += more->body.size();
    batch.push_back(*std::move(more));
  }
  return batch;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RelayWorkers>> RelayWorkers::Start(const RelayWorkerOptions& options) {
  // Opened here once so that a database that cannot be used is an error now, not a log line later.
  MIG_ASSIGN_OR_RETURN(Store store, Store::Open(options.database));
  std::unique_ptr<RelayWorkers> workers(new RelayWorkers(options));
  workers->options_.relay.publisher_confirms = true;
  RelayWorkers* self = workers.get();
  // The dispatcher consumes nothing; the others never hold a message larger than its kind's limit.
  workers->dispatcher_ =
      std::thread([self] { self->Loop("dispatcher", &RelayWorkers::DispatchSession, /*max_body_bytes=*/0); });
  workers->results_ =
      std::thread([self] { self->Loop("results", &RelayWorkers::ResultsSession, protocol::kMaxResultBytes); });
  workers->heartbeats_ =
      std::thread([self] { self->Loop("heartbeats", &RelayWorkers::HeartbeatsSession, protocol::kMaxHeartbeatBytes); });
  return workers;
}

RelayWorkers::~RelayWorkers() { Stop(); }

void RelayWorkers::CommandsCreated() {
  absl::MutexLock lock(&mutex_);
  work_pending_ = true;
}

void RelayWorkers::Stop() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_.store(true);
  }
  for (std::thread* thread : {&dispatcher_, &results_, &heartbeats_}) {
    if (thread->joinable()) thread->join();
  }
}

bool RelayWorkers::WorkPendingOrStopping() const { return work_pending_ || stopping_.load(); }

void RelayWorkers::WaitForWork(absl::Duration timeout) {
  absl::MutexLock lock(&mutex_);
  // Releasing mutex_ re-evaluates the condition: CommandsCreated and Stop need not signal.
  mutex_.AwaitWithTimeout(absl::Condition(this, &RelayWorkers::WorkPendingOrStopping), timeout);
  work_pending_ = false;
}

void RelayWorkers::Loop(std::string_view name, absl::Status (RelayWorkers::*session)(Store&, amqp::Connection&),
                        uint64_t max_body_bytes) {
  std::mt19937_64 random(std::random_device{}());
  absl::Duration backoff = options_.reconnect_min;
  while (!stopping_.load()) {
    absl::Status ended;
    absl::StatusOr<Store> store = Store::Open(options_.database);
    if (!store.ok()) {
      ended = store.status();
    } else {
      amqp::ConnectionOptions relay = options_.relay;
      relay.connection_name = absl::StrCat("mig-scheduler ", name);
      relay.max_body_bytes = max_body_bytes;
      absl::StatusOr<std::unique_ptr<amqp::Connection>> amqp = amqp::Connection::Open(relay);
      if (!amqp.ok()) {
        ended = amqp.status();
      } else {
        log::Info(kLog, absl::StrCat(name, ": connected to ", relay.host, ":", relay.port));
        backoff = options_.reconnect_min;
        ended = (this->*session)(*store, **amqp);
        if (ended.ok()) {
          (void)(*amqp)->Close();
          return;
        }
      }
    }
    std::uniform_int_distribution<int64_t> spread(absl::ToInt64Milliseconds(backoff) / 2,
                                                  absl::ToInt64Milliseconds(backoff));
    absl::Duration wait = absl::Milliseconds(spread(random));
    log::Warning(kLog, absl::StrCat(name, ": ", ended.message(), "; again in ", absl::FormatDuration(wait)));
    absl::Time until = absl::Now() + wait;
    while (!stopping_.load() && absl::Now() < until) absl::SleepFor(absl::Milliseconds(50));
    backoff = std::min(backoff * 2, options_.reconnect_max);
  }
}

absl::Status RelayWorkers::DispatchSession(Store& store, amqp::Connection& amqp) {
  absl::Time next_expiry = absl::InfinitePast();
  absl::Time next_refresh = absl::InfinitePast();
  constexpr int64_t kPublishWindow = 1000;
  constexpr size_t kWindowsInFlight = 2;
  struct Window {
    std::vector<int64_t> ids;
    uint64_t last_sequence = 0;
  };
  std::deque<Window> in_flight;
  int64_t after_id = 0;
  while (!stopping_.load()) {
    absl::Time now = absl::Now();
    if (now >= next_expiry) {
      MIG_ASSIGN_OR_RETURN(int64_t expired, store.ExpireCommands(now));
      if (expired > 0) log::Info(kLog, absl::StrCat(expired, " unanswered command(s) expired"));
      next_expiry = now + options_.expire_commands_every;
    }
    if (now >= next_refresh) {
      int64_t since = listening_since_nanos_.load();
      MIG_ASSIGN_OR_RETURN(int64_t changed, store.RefreshStatuses(now, options_.status_policy,
                                                                  since == kNotListening ? absl::InfiniteFuture()
                                                                                         : absl::FromUnixNanos(since)));
      if (changed > 0) log::Info(kLog, absl::StrCat(changed, " agent(s) went idle or offline"));
      next_refresh = now + options_.refresh_statuses_every;
    }
    // Up to two windows in flight: the broker persists one while the next is read and sent.
    if (in_flight.size() < kWindowsInFlight) {
      MIG_ASSIGN_OR_RETURN(std::vector<OutgoingCommand> commands,
                           store.UnpublishedCommands(now, kPublishWindow, after_id));
      if (!commands.empty()) {
        Window window;
        window.ids.reserve(commands.size());
        for (const OutgoingCommand& command : commands) {
          std::string body = protocol::CommandToJson({.id = command.id, .action_json = command.action_json});
          MIG_ASSIGN_OR_RETURN(window.last_sequence,
                               amqp.PublishAsync(protocol::kAgentsExchange, command.agent_name, body,
                                                 {.persistent = true, .content_type = "application/json"}));
          window.ids.push_back(command.id);
        }
        after_id = commands.back().id;
        in_flight.push_back(std::move(window));
        continue;
      }
    }
    if (!in_flight.empty()) {
      Window& oldest = in_flight.front();
      MIG_RETURN_IF_ERROR(amqp.WaitForConfirmsThrough(oldest.last_sequence, options_.relay.rpc_timeout));
      MIG_RETURN_IF_ERROR(store.MarkPublished(oldest.ids));
      commands_published_.fetch_add(static_cast<int64_t>(oldest.ids.size()));
      log::Debug(kLog, absl::StrCat(oldest.ids.size(), " command(s) published"));
      in_flight.pop_front();
      continue;
    }
    // Nothing in flight: everything before the cursor is published.
    after_id = 0;
    // Also keeps the connection's heartbeats answered.
    MIG_RETURN_IF_ERROR(amqp.Poll(absl::ZeroDuration()));
    WaitForWork(absl::Milliseconds(250));
  }
  return absl::OkStatus();
}

absl::Status RelayWorkers::ResultsSession(Store& store, amqp::Connection& amqp) {
  MIG_RETURN_IF_ERROR(amqp.Consume(kResultsQueue, static_cast<uint16_t>(options_.batch)));
  while (!stopping_.load()) {
    MIG_ASSIGN_OR_RETURN(std::vector<amqp::Delivery> batch,
                         NextBatch(amqp, absl::Milliseconds(250), options_.batch, options_.batch_bytes));
    if (batch.empty()) continue;
    std::vector<IncomingResult> incoming;
    incoming.reserve(batch.size());
    for (amqp::Delivery& delivery : batch) {
      absl::StatusOr<protocol::Sender> sender = protocol::SenderOf(delivery.routing_key);
      if (!sender.ok() || sender->kind != protocol::Sender::Kind::kResult) {
        log::Warning(kLog, absl::StrCat("dropping a message with routing key '", delivery.routing_key,
                                        "' from the results queue"));
        continue;
      }
      if (delivery.dropped) {
        log::Warning(kLog, absl::StrCat("dropping a result of ", delivery.body_size, " bytes from agent ",
                                        sender->agent, ": above the limit of ", protocol::kMaxResultBytes));
        continue;
      }
      absl::StatusOr<protocol::Result> result = protocol::ParseResult(delivery.body);
      if (!result.ok()) {
        log::Warning(kLog, absl::StrCat("dropping a malformed result from agent ", sender->agent, ": ",
                                        result.status().message()));
        continue;
      }
      incoming.push_back({.command_id = result->command,
                          .sender = sender->agent,
                          .status = ToCommandStatus(result->status),
                          .json = std::move(delivery.body),
                          .found = FoundAnything(*result)});
    }
    MIG_ASSIGN_OR_RETURN(std::vector<RecordOutcome> outcomes, store.RecordResults(incoming, absl::Now()));
    for (size_t i = 0; i < outcomes.size(); ++i) {
      if (outcomes[i] == RecordOutcome::kRecorded) {
        results_recorded_.fetch_add(1);
      } else if (outcomes[i] == RecordOutcome::kNotSendersCommand) {
        log::Warning(kLog, absl::StrCat("agent ", incoming[i].sender, " sent a result for command ",
                                        incoming[i].command_id, ", which is not its own: dropped"));
      } else if (outcomes[i] == RecordOutcome::kUnknownCommand) {
        log::Warning(kLog, absl::StrCat("agent ", incoming[i].sender, " answered command ", incoming[i].command_id,
                                        ", which this scheduler never sent: dropped"));
      }
    }
    // Committed: now the broker may forget them.
    MIG_RETURN_IF_ERROR(amqp.Ack(batch.back().delivery_tag, /*multiple=*/true));
  }
  return absl::OkStatus();
}

absl::Status RelayWorkers::HeartbeatsSession(Store& store, amqp::Connection& amqp) {
  struct Listening {
    std::atomic<int64_t>& since;
    ~Listening() { since.store(kNotListening); }
  } listening{listening_since_nanos_};
  MIG_RETURN_IF_ERROR(amqp.Consume(kHeartbeatsQueue, static_cast<uint16_t>(options_.batch)));
  listening_since_nanos_.store(absl::ToUnixNanos(absl::Now()));
  while (!stopping_.load()) {
    MIG_ASSIGN_OR_RETURN(std::vector<amqp::Delivery> batch,
                         NextBatch(amqp, absl::Milliseconds(250), options_.batch, options_.batch_bytes));
    if (batch.empty()) continue;
    std::vector<AgentHeartbeat> heartbeats;
    heartbeats.reserve(batch.size());
    for (const amqp::Delivery& delivery : batch) {
      absl::StatusOr<protocol::Sender> sender = protocol::SenderOf(delivery.routing_key);
      absl::StatusOr<protocol::Heartbeat> heartbeat =
          delivery.dropped
              ? absl::InvalidArgumentError(absl::StrCat("a heartbeat of ", delivery.body_size,
                                                        " bytes, above the limit of ", protocol::kMaxHeartbeatBytes))
              : protocol::ParseHeartbeat(delivery.body);
      if (!sender.ok() || sender->kind != protocol::Sender::Kind::kHeartbeat || !heartbeat.ok() ||
          heartbeat->name != sender->agent) {
        log::Warning(kLog, absl::StrCat("dropping a heartbeat with routing key '", delivery.routing_key, "': ",
                                        !heartbeat.ok() ? heartbeat.status().message()
                                                        : "it does not come from the agent it names"));
        continue;
      }
      heartbeats.push_back({.name = heartbeat->name,
                            .queue = heartbeat->queue,
                            .mode = heartbeat->mode,
                            .version = heartbeat->version,
                            .pid = heartbeat->pid,
                            .frequency_seconds = heartbeat->frequency_seconds,
                            .environment_json = heartbeat->environment_json,
                            .tags_json = heartbeat->tags_json});
    }
    MIG_RETURN_IF_ERROR(store.RecordHeartbeats(heartbeats, absl::Now()));
    heartbeats_recorded_.fetch_add(static_cast<int64_t>(heartbeats.size()));
    MIG_RETURN_IF_ERROR(amqp.Ack(batch.back().delivery_tag, /*multiple=*/true));
  }
  return absl::OkStatus();
}

}  // namespace mig::scheduler
