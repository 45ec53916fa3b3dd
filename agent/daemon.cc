#include "agent/daemon.h"

#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "agent/command_handler.h"
#include "agent/environment.h"
#include "agent/outbox.h"
#include "agent/state_directory/agent_status.h"
#include "agent/state_directory/state_directory.h"
#include "base/amqp/connection.h"
#include "base/amqp/relay_url.h"
#include "base/files.h"
#include "base/json/writer.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "embedded_conf/authorization_config.h"
#include "embedded_conf/config.h"
#include "protocol/authorization/policy.h"
#include "protocol/authorization/replay_cache.h"
#include "protocol/messages.h"

namespace mig::agent {
namespace {

using state_directory::AgentState;
using state_directory::AgentStatus;
using state_directory::WriteAgentStatus;

constexpr std::string_view kLog = "agent";
constexpr size_t kReplayCacheEntries = 100'000;

std::optional<amqp::TlsOptions> TlsFromConfig(const conf::CertsConfig& certs) {
  if (certs.ca.contents.empty()) return std::nullopt;
  return amqp::TlsOptions{.ca_pem = certs.ca.contents, .cert_pem = certs.cert.contents, .key_pem = certs.key.contents};
}

absl::Status MakePrivateDirectory(const std::string& path) {
  if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::FailedPreconditionError(absl::StrCat("state directory ", path, ": ", std::strerror(errno)));
  }
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat("state directory ", path, " is not a directory"));
  }
  return absl::OkStatus();
}

// A random identifier kept in the state directory: it tells a reinstalled host (same name, new id) from
// the same agent restarting, as MIG's random queue location did.
absl::StatusOr<std::string> LoadOrCreateAgentId(const state_directory::StateDirectory& state) {
  std::string path = state.agent_id_file();
  absl::StatusOr<std::string> existing = ReadFileBounded(path, 256);
  if (existing.ok()) {
    std::string id(absl::StripAsciiWhitespace(*existing));
    if (id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string::npos) return id;
    return absl::DataLossError(
        absl::StrCat(path, " does not hold an agent id (32 hex digits); remove it to make a new one"));
  }
  if (!absl::IsNotFound(existing.status())) return existing.status();
  unsigned char bytes[16];
  if (getrandom(bytes, sizeof(bytes), 0) != static_cast<ssize_t>(sizeof(bytes))) {
    return absl::InternalError(absl::StrCat("getrandom: ", std::strerror(errno)));
  }
  std::string id = absl::BytesToHexString(std::string_view(reinterpret_cast<char*>(bytes), sizeof(bytes)));
  MIG_RETURN_IF_ERROR(WriteFileAtomically(path, id + "\n", 0600));
  return id;
}

std::string TagsJson(const std::vector<std::pair<std::string, std::string>>& tags) {
  json::JsonWriter w;
  w.BeginObject();
  for (const auto& [key, value] : tags) w.Field(key, value);
  w.EndObject();
  return std::move(w).Take();
}

// A command taken from the queue and running on its own thread, so that the connection keeps answering the
// broker's heartbeats however long the modules take.
struct Job {
  protocol::Command command;
  uint64_t delivery_tag = 0;
  uint64_t session = 0;  // the connection it came on: a delivery tag means nothing on another
  std::atomic<bool> done{false};
  protocol::Result result;
  std::thread thread;
};

class Agent {
 public:
  Agent(const AgentOptions& options, std::string name, std::string id, amqp::ConnectionOptions connection,
        Outbox outbox, std::unique_ptr<authorization::ReplayCache> replay_cache, authorization::Keyring keys,
        authorization::Acl acl)
      : options_(options),
        name_(std::move(name)),
        id_(std::move(id)),
        queue_(protocol::AgentQueue(name_)),
        checkin_(options.checkin || options.config.agent.checkin),
        connection_options_(std::move(connection)),
        outbox_(std::move(outbox)),
        replay_cache_(std::move(replay_cache)),
        keys_(std::move(keys)),
        acl_(std::move(acl)),
        start_time_(absl::Now()) {
    status_.pid = getpid();
    status_.version = options.version;
    status_.started = start_time_;
    unsigned seed = 0;
    if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed)) seed = static_cast<unsigned>(getpid() ^ time(nullptr));
    random_.seed(seed);
    context_.acl = &acl_;
    context_.keys = &keys_;
    context_.policy = conf::AuthorizationPolicyFromConfig(options.config);
    context_.replay_cache = replay_cache_.get();
    context_.binary = options.binary;
    context_.module_timeout = options.config.agent.module_timeout;
    context_.module_memory_bytes = options.config.agent.module_memory_bytes;
    context_.module_cpu_percent = options.config.agent.module_cpu_percent;
    environment_ = ReadEnvironment({.state_dir = options_.config.agent.state_dir});
    environment_read_ = absl::Now();
  }

  absl::Status Run() {
    log::Info(kLog, absl::StrCat("agent ", name_, " (id ", id_, ", mig ", options_.version, ") starting in ",
                                 checkin_ ? "checkin" : "daemon", " mode; relay ", connection_options_.host, ":",
                                 connection_options_.port, ", ", outbox_.size(), " unsent result(s) in the outbox"));
    ReportStatus(AgentState::kConnecting);
    absl::Duration backoff = options_.reconnect_min;
    int failed_attempts = 0;
    while (!Stopping()) {
      absl::Status ended = Session();
      if (ended.ok()) break;  // checkin done, or asked to stop
      ReportStatus(AgentState::kConnecting);
      if (connected_) {
        backoff = options_.reconnect_min;
        failed_attempts = 0;
      }
      ++failed_attempts;
      if (checkin_ && failed_attempts >= options_.checkin_attempts) {
        WaitForJob();
        return absl::UnavailableError(absl::StrCat("checkin: the relay stayed unreachable after ", failed_attempts,
                                                   " attempts; last error: ", ended.message()));
      }
      std::uniform_int_distribution<int64_t> spread(absl::ToInt64Milliseconds(backoff) / 2,
                                                    absl::ToInt64Milliseconds(backoff));
      absl::Duration wait = absl::Milliseconds(spread(random_));
      log::Warning(kLog, absl::StrCat(ended.message(), "; reconnecting in ", absl::FormatDuration(wait)));
      Sleep(wait);
      backoff = std::min(backoff * 2, options_.reconnect_max);
    }
    WaitForJob();
    if (checkin_ && outbox_.size() > 0) {
      return absl::UnavailableError(
          absl::StrCat(outbox_.size(), " result(s) could not be sent; they stay in the outbox for the next run"));
    }
    ReportStatus(AgentState::kStopped);
    log::Info(kLog, "stopped");
    return absl::OkStatus();
  }

 private:
  bool Stopping() const { return options_.stop != nullptr && options_.stop->load(); }

  // The local status check (status.h). A status file that cannot be written is logged, not fatal: the agent's
  // work does not depend on it, only the loader's judgement of a new release does.
  void ReportStatus(AgentState state) {
    status_.state = state;
    status_.updated = absl::Now();
    absl::Status written = WriteAgentStatus(state_directory::StateDirectory(options_.config.agent.state_dir), status_);
    if (!written.ok()) log::Warning(kLog, absl::StrCat("status file: ", written.message()));
  }

  // One connection's life. OK when the agent should stop (asked to, or checkin done); otherwise why the
  // connection ended.
  absl::Status Session() {
    connected_ = false;
    ++session_;
    MIG_ASSIGN_OR_RETURN(std::unique_ptr<amqp::Connection> amqp, amqp::Connection::Open(connection_options_));
    connected_ = true;
    log::Info(kLog,
              absl::StrCat("connected to ", connection_options_.host, ":", connection_options_.port,
                           amqp->tls_negotiated().empty() ? "" : absl::StrCat(" (", amqp->tls_negotiated(), ")")));
    MIG_RETURN_IF_ERROR(SendHeartbeat(*amqp));
    MIG_RETURN_IF_ERROR(FlushOutbox(*amqp));
    bool consuming = false;
    absl::Time idle_since = absl::Now();
    bool stop_logged = false;
    while (true) {
      if (Stopping()) {
        if (job_ == nullptr) {
          (void)amqp->Close();
          return absl::OkStatus();
        }
        if (!stop_logged) log::Info(kLog, "stopping once the running action finishes");
        stop_logged = true;
      }
      MIG_RETURN_IF_ERROR(CollectFinishedJob());
      if (pending_ack_ && pending_ack_->second == session_) {
        MIG_RETURN_IF_ERROR(amqp->Ack(pending_ack_->first));
      }
      pending_ack_.reset();
      if (outbox_.size() > 0) MIG_RETURN_IF_ERROR(FlushOutbox(*amqp));
      // Not while a command of an earlier connection still runs: its redelivery would wait behind it anyway.
      if (!consuming && job_ == nullptr && !Stopping()) {
        MIG_RETURN_IF_ERROR(amqp->Consume(queue_, /*prefetch=*/1));
        consuming = true;
      }
      absl::Time now = absl::Now();
      if (now >= next_heartbeat_) MIG_RETURN_IF_ERROR(SendHeartbeat(*amqp));
      absl::Duration poll = job_ != nullptr ? absl::Milliseconds(100) : absl::Milliseconds(500);
      MIG_ASSIGN_OR_RETURN(std::optional<amqp::Delivery> delivery, amqp->Next(poll));
      if (delivery) {
        StartJob(*std::move(delivery));
        idle_since = absl::Now();
      } else if (job_ != nullptr) {
        idle_since = absl::Now();
      }
      if (checkin_ && job_ == nullptr && !pending_ack_ && outbox_.size() == 0 &&
          absl::Now() - idle_since >= options_.checkin_drain) {
        log::Info(kLog, "checkin: queue drained, every result sent");
        (void)amqp->Close();
        return absl::OkStatus();
      }
    }
  }

  void StartJob(amqp::Delivery delivery) {
    if (delivery.dropped) {
      // Never read (amqp::ConnectionOptions::max_body_bytes); acknowledged like any command the agent cannot use.
      log::Warning(kLog, absl::StrCat("dropping a command of ", delivery.body_size, " bytes from ", delivery.exchange,
                                      ": above the limit of ", protocol::kMaxCommandBytes));
      pending_ack_ = {delivery.delivery_tag, session_};
      return;
    }
    absl::StatusOr<protocol::Command> command = protocol::ParseCommand(delivery.body);
    if (!command.ok()) {
      // Nothing to answer (no command id to answer to); acknowledged so that it does not come back forever.
      log::Warning(kLog, absl::StrCat("dropping a malformed command from ", delivery.exchange, ": ",
                                      command.status().message()));
      pending_ack_ = {delivery.delivery_tag, session_};
      return;
    }
    log::Info(kLog, absl::StrCat("command ", command->id, delivery.redelivered ? " (redelivered)" : "", " received"));
    job_ = std::make_unique<Job>();
    job_->command = *std::move(command);
    job_->delivery_tag = delivery.delivery_tag;
    job_->session = session_;
    Job* job = job_.get();
    job_->thread = std::thread([this, job] {
      job->result = HandleCommand(job->command, context_);
      job->done.store(true);
    });
  }

  // Moves a finished job's result into the outbox (on disk) and marks its delivery for acknowledgement:
  // the order that makes a crash at any point lose nothing.
  absl::Status CollectFinishedJob() {
    if (job_ == nullptr || !job_->done.load()) return absl::OkStatus();
    job_->thread.join();
    protocol::Result& result = job_->result;
    std::string body = protocol::ResultToJson(result);
    if (body.size() > protocol::kMaxResultBytes) {
      protocol::Result too_large{.command = result.command,
                                 .action = result.action,
                                 .status = protocol::ResultStatus::kFailed,
                                 .reason = absl::StrCat("the result is ", body.size(), " bytes, above the ",
                                                        protocol::kMaxResultBytes, "-byte message limit")};
      body = protocol::ResultToJson(too_large);
    }
    log::Info(kLog, absl::StrCat("command ", result.command, " (action ", result.action,
                                 "): ", protocol::ResultStatusName(result.status),
                                 result.reason.empty() ? "" : absl::StrCat(": ", result.reason)));
    absl::StatusOr<std::string> stored = outbox_.Put(protocol::ResultRoutingKey(name_), body);
    if (!stored.ok()) {
      // Not acknowledged either: the broker gives the command back and the replay cache refuses it with a
      // reason, which at least tells the investigator.
      log::Error(kLog,
                 absl::StrCat("cannot keep the result of command ", result.command, ": ", stored.status().message()));
    } else {
      pending_ack_ = {job_->delivery_tag, job_->session};
    }
    job_.reset();
    return absl::OkStatus();
  }

  void WaitForJob() {
    if (job_ == nullptr) return;
    log::Info(kLog, "waiting for the running action to finish");
    job_->thread.join();
    (void)CollectFinishedJob();
  }

  // Waits, collecting a job that finishes meanwhile so its result reaches the disk without delay.
  void Sleep(absl::Duration duration) {
    absl::Time until = absl::Now() + duration;
    while (absl::Now() < until && !Stopping()) {
      (void)CollectFinishedJob();
      absl::SleepFor(std::min(absl::Milliseconds(100), until - absl::Now()));
    }
  }

  // The frequency the heartbeat announces: whole seconds, rounded up, within what the protocol carries.
  int64_t HeartbeatSeconds() const {
    int64_t seconds = absl::ToInt64Seconds(absl::Ceil(options_.config.agent.heartbeat_frequency, absl::Seconds(1)));
    return std::clamp<int64_t>(seconds, 1, protocol::kMaxHeartbeatSeconds);
  }

  absl::Status SendHeartbeat(amqp::Connection& amqp) {
    absl::Time now = absl::Now();
    if (now - environment_read_ >= options_.config.agent.refresh_environment) {
      environment_ = ReadEnvironment({.state_dir = options_.config.agent.state_dir});
      environment_read_ = now;
    }
    protocol::Heartbeat heartbeat{.name = name_,
                                  .queue = queue_,
                                  .mode = checkin_ ? "checkin" : "daemon",
                                  .version = options_.version,
                                  .pid = getpid(),
                                  .start_time = start_time_,
                                  .frequency_seconds = checkin_ ? 0 : HeartbeatSeconds(),
                                  .environment_json = EnvironmentJson(environment_),
                                  .tags_json = TagsJson(options_.config.agent.tags)};
    // Heartbeats are not persistent: a stale one is worth nothing after a broker restart.
    MIG_RETURN_IF_ERROR(amqp.Publish(protocol::kResultsExchange, protocol::HeartbeatRoutingKey(name_),
                                     protocol::HeartbeatToJson(heartbeat),
                                     {.persistent = false, .content_type = "application/json"}));
    next_heartbeat_ = now + options_.config.agent.heartbeat_frequency;
    status_.heartbeat = now;
    ReportStatus(AgentState::kConnected);
    log::Debug(kLog, "heartbeat sent");
    return absl::OkStatus();
  }

  // Publishes every stored result, oldest first, each confirmed by the broker before it is removed. A
  // result no queue takes (the scheduler's queue missing) stays for the next attempt.
  absl::Status FlushOutbox(amqp::Connection& amqp) {
    MIG_ASSIGN_OR_RETURN(std::vector<Outbox::Message> pending, outbox_.Pending());
    for (const Outbox::Message& message : pending) {
      absl::Status sent = amqp.Publish(protocol::kResultsExchange, message.routing_key, message.body,
                                       {.persistent = true, .mandatory = true, .content_type = "application/json"});
      if (!sent.ok()) return absl::Status(sent.code(), absl::StrCat("sending a result: ", sent.message()));
      MIG_RETURN_IF_ERROR(outbox_.Remove(message.id));
      log::Debug(kLog, absl::StrCat("result ", message.id, " sent"));
    }
    return absl::OkStatus();
  }

  const AgentOptions& options_;
  std::string name_;
  std::string id_;
  std::string queue_;
  bool checkin_;
  amqp::ConnectionOptions connection_options_;
  Outbox outbox_;
  std::unique_ptr<authorization::ReplayCache> replay_cache_;
  authorization::Keyring keys_;
  authorization::Acl acl_;
  HandlerContext context_;
  absl::Time start_time_;
  Environment environment_;
  absl::Time environment_read_;
  absl::Time next_heartbeat_ = absl::InfinitePast();
  AgentStatus status_;
  std::mt19937_64 random_;
  uint64_t session_ = 0;
  bool connected_ = false;
  std::unique_ptr<Job> job_;
  std::optional<std::pair<uint64_t, uint64_t>> pending_ack_;  // delivery tag, session
};

}  // namespace

absl::StatusOr<std::string> AgentName(const conf::Config& config) {
  if (config.agent.relay.empty()) {
    return absl::FailedPreconditionError(
        "this binary's configuration names no relay ([agent] relay): build it with a site's configuration, or "
        "give one with --config");
  }
  std::optional<amqp::TlsOptions> tls = TlsFromConfig(config.certs);
  MIG_ASSIGN_OR_RETURN(amqp::ConnectionOptions options, amqp::ConnectionOptionsFromRelayUrl(config.agent.relay, tls));
  std::string name = options.user;
  if (options.tls) {
    MIG_ASSIGN_OR_RETURN(std::shared_ptr<const amqp::TlsClientConfig> loaded,
                         amqp::TlsClientConfig::Load(*options.tls));
    if (!loaded->has_client_certificate()) {
      return absl::FailedPreconditionError("[certs] names no client certificate and key: the agent logs in with them");
    }
    name = loaded->client_common_name();
  }
  absl::Status valid = protocol::CheckAgentName(name);
  if (!valid.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("the agent's name (its certificate's common name) '", name,
                                                      "' cannot be used: ", valid.message()));
  }
  return name;
}

absl::Status RunAgent(const AgentOptions& options) {
  const conf::Config& config = options.config;
  MIG_ASSIGN_OR_RETURN(std::string name, AgentName(config));
  MIG_ASSIGN_OR_RETURN(amqp::ConnectionOptions connection,
                       amqp::ConnectionOptionsFromRelayUrl(config.agent.relay, TlsFromConfig(config.certs)));
  connection.heartbeat = options.amqp_heartbeat;
  connection.publisher_confirms = true;
  connection.connection_name = absl::StrCat("mig-agent ", name);
  // A command larger than any the scheduler can send is never read into memory.
  connection.max_body_bytes = protocol::kMaxCommandBytes;
  const state_directory::StateDirectory state(config.agent.state_dir);
  MIG_RETURN_IF_ERROR(MakePrivateDirectory(state.root()));
  MIG_ASSIGN_OR_RETURN(std::string id, LoadOrCreateAgentId(state));
  MIG_ASSIGN_OR_RETURN(Outbox outbox, Outbox::Open(state.outbox_dir()));
  MIG_ASSIGN_OR_RETURN(std::unique_ptr<authorization::ReplayCache> replay_cache,
                       authorization::ReplayCache::Open(state.replay_cache_file(), kReplayCacheEntries, absl::Now()));
  MIG_ASSIGN_OR_RETURN(authorization::Keyring keys, conf::KeyringFromConfig(config));
  if (keys.size() == 0) {
    log::Warning(kLog, "no investigator keys are configured: every action will be refused");
  }
  Agent agent(options, std::move(name), std::move(id), std::move(connection), std::move(outbox),
              std::move(replay_cache), std::move(keys), conf::AclFromConfig(config));
  return agent.Run();
}

}  // namespace mig::agent
