// How long a fleet-wide action takes, from the investigator's POST to the moment the scheduler has every
// answer recorded, for N simulated agents in one process. bench/fleet.sh starts a private broker and a
// scheduler and runs this for N = 100, 1,000 and 10,000.
//
// The simulated agents are spread over --connections broker connections, one thread each. Like real agents
// they heartbeat once (so the scheduler registers them), take their command from their own queue
// mig.agent.<name>, parse the action and verify its signature against the investigator's key (a command
// that fails is refused, one outside its validity window expired), and publish a result on mig.results
// under <name>.results. They run no module: each answers with the canned result of a file search that found
// nothing. Deliveries are acknowledged only once the broker confirmed their results. The agents log in as
// the site's scheduler user, whose permissions let them declare and bind their queues (tools/site.sh
// pre-declares queues only for the agents it issued).
//
//   fleet_load --key seed.hex --print-key             the investigator's public key, for scheduler.conf
//   fleet_load --relay amqp://scheduler:pw@localhost:5672/mig --api http://127.0.0.1:8393/api/v1/
//              --key seed.hex --agents 10000 --connections 20 --prefix sim
//   fleet_load --relay ... --key seed.hex --agents 10000 --prefix d --direct [--window 1000] [--transient]
//
// --key names a file holding the investigator's Ed25519 seed as 64 hex digits (`openssl rand -hex 32`).
// The action targets name LIKE '<prefix>-%': the prefix must select the simulated agents and no others.
// --actions (default 2) launches that many actions one after the other, each timed on its own: the first
// one's commands are the first persistent messages of queues just declared, which costs RabbitMQ far more
// (each classic queue sets up its files on disk) than the commands of the next ones, what a fleet whose
// queues already exist sees.
// --direct leaves the scheduler out (none may be running: it would take the results): this process
// publishes the commands as the scheduler's dispatcher does and consumes mig.scheduler.results itself,
// which measures the broker's and the agents' share alone.
//
// One line on stdout per action, key=value, times in milliseconds since just before the POST (--direct: the
// first command published):
//   agents connections mode action                mode=scheduler or mode=direct; action 1, 2, ...
//   setup_ms registered_ms                         since the start: queues declared and consumed, heartbeats
//                                                  confirmed; the scheduler registered every agent
//   submit_ms                                      the POST answered: the scheduler stored N commands
//                                                  (--direct: every command published and confirmed)
//   first_command_ms last_command_ms               the first and last command reached a simulated agent
//   last_result_sent_ms                            the last result was published to the broker
//   first_result_ms last_result_ms                 the action's counters showed the first and every answer
//   answered success refused polls rate            answers counted, successes, commands the simulated agents
//                                                  refused, counter polls, answers/s over last_result_ms
// Nothing is asserted: a run that times out reports how many answered, with exit status 1.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/amqp/connection.h"
#include "base/amqp/relay_url.h"
#include "base/http/client.h"
#include "base/json/reader.h"
#include "base/status_macros.h"
#include "crypto/ed25519.h"
#include "protocol/action/action.h"
#include "protocol/api/token.h"
#include "protocol/messages.h"

namespace mig::bench {
namespace {

// The file module's parameters (canonical JSON, as `mig file -path /nonexistent -name x --print-action`
// writes them), and what it answers when it finds nothing.
constexpr char kFileParameters[] =
    R"({"searches":{"s1":{"names":["x"],"options":{"macroal":false,"matchall":true,"matchlimit":1000,)"
    R"("maxdepth":1000,"mismatch":null},"paths":["/nonexistent"]}}})";
constexpr char kFileResult[] =
    R"({"foundanything":false,"success":true,"elements":{"s1":[{"file":"","search":{"paths":["/nonexistent"],)"
    R"("names":["x"],"options":{"maxdepth":0,"matchall":true,"macroal":false,"mismatch":null,"matchlimit":0}},)"
    R"("fileinfo":{"size":0,"mode":"","lastmodified":""}}]},"statistics":{"filescount":0,"openfailed":1,)"
    R"("totalhits":0,"exectime":"0s"},"errors":["stat /nonexistent: no such file or directory"]})";

struct Settings {
  std::string relay;
  std::string api;  // ends with '/'
  std::string key_file;
  bool print_key = false;
  int agents = 100;
  int connections = 20;
  std::string prefix = "sim";
  int prefetch = 1;        // per queue, as a real agent has it
  int batch = 256;         // deliveries answered per confirm-and-ack round
  bool direct = false;     // publish the commands here, without the scheduler
  int actions = 2;         // one after the other: the first is the first message of each new queue
  int window = 1000;       // --direct: unconfirmed commands at a time (the scheduler's dispatcher: 1000)
  bool transient = false;  // --direct: commands not persisted (the scheduler's are persistent)
  absl::Duration poll = absl::Milliseconds(20);
  absl::Duration timeout = absl::Seconds(120);
  absl::Duration validity = absl::Minutes(10);
};

std::string AgentName(const Settings& s, int i) { return absl::StrCat(s.prefix, "-", i); }

int64_t NowNanos() { return absl::ToUnixNanos(absl::Now()); }

void StoreMin(std::atomic<int64_t>& slot, int64_t value) {
  int64_t seen = slot.load();
  while (value < seen && !slot.compare_exchange_weak(seen, value)) {
  }
}

void StoreMax(std::atomic<int64_t>& slot, int64_t value) {
  int64_t seen = slot.load();
  while (value > seen && !slot.compare_exchange_weak(seen, value)) {
  }
}

// What the simulated agents' threads tell the main thread.
struct Fleet {
  std::atomic<bool> stop{false};
  std::atomic<int> ready{0};   // threads consuming, heartbeats confirmed
  std::atomic<int> failed{0};  // threads that gave up
  std::atomic<int64_t> declare_done_nanos{0};
  std::atomic<int64_t> refused{0};  // malformed commands (not answered: no id), bad signatures, expired
  std::atomic<int64_t> first_command_nanos{std::numeric_limits<int64_t>::max()};
  std::atomic<int64_t> last_command_nanos{0};
  std::atomic<int64_t> last_result_nanos{0};  // the last result handed to the broker
  absl::Mutex mutex;
  std::string first_error ABSL_GUARDED_BY(mutex);

  void Fail(const absl::Status& status) {
    absl::MutexLock lock(&mutex);
    if (first_error.empty()) first_error = status.ToString();
    failed.fetch_add(1);
  }
  std::string FirstError() {
    absl::MutexLock lock(&mutex);
    return first_error;
  }
};

// An agent's decision on a command, the way mig's agent makes it minus the ACL and the replay cache: the
// action must parse, carry a valid signature by the investigator, and be within its validity window.
protocol::Result Answer(const protocol::Command& command, const crypto::Ed25519PublicKey& investigator,
                        absl::Time now) {
  protocol::Result result;
  result.command = command.id;
  absl::StatusOr<action::Action> action = action::ParseAction(command.action_json);
  if (!action.ok()) {
    result.status = protocol::ResultStatus::kRefused;
    result.reason = absl::StrCat("malformed action: ", action.status().message());
    return result;
  }
  result.action = action->id;
  absl::StatusOr<std::string> bytes = action::SigningBytes(*action);
  bool verified = false;
  for (const action::Signature& signature : action->signatures) {
    if (bytes.ok() && signature.key_id == investigator.KeyId() && investigator.Verify(*bytes, signature.signature)) {
      verified = true;
    }
  }
  if (!verified) {
    result.status = protocol::ResultStatus::kRefused;
    result.reason = "no valid signature by the investigator";
    return result;
  }
  if (now < action->valid_from || now >= action->expire_after) {
    result.status = protocol::ResultStatus::kExpired;
    result.reason = "outside the action's validity window";
    return result;
  }
  result.status = protocol::ResultStatus::kSuccess;
  result.operation_results.assign(action->operations.size(), kFileResult);
  return result;
}

// What the connection has: the first delivery waits up to `wait`, the rest only what already arrived.
absl::StatusOr<std::vector<amqp::Delivery>> TakeBatch(amqp::Connection& amqp, absl::Duration wait, int limit) {
  std::vector<amqp::Delivery> batch;
  MIG_ASSIGN_OR_RETURN(std::optional<amqp::Delivery> delivery, amqp.Next(wait));
  while (delivery) {
    batch.push_back(*std::move(delivery));
    if (static_cast<int>(batch.size()) >= limit) break;
    MIG_ASSIGN_OR_RETURN(delivery, amqp.Next(absl::ZeroDuration()));
  }
  return batch;
}

// One connection's share of the fleet: agents [first, first + count).
absl::Status SimulateAgents(const Settings& s, int first, int count, const crypto::Ed25519PublicKey& investigator,
                            Fleet& fleet) {
  MIG_ASSIGN_OR_RETURN(amqp::ConnectionOptions options, amqp::ConnectionOptionsFromRelayUrl(s.relay, std::nullopt));
  options.publisher_confirms = true;
  options.connection_name = absl::StrCat("fleet_load ", s.prefix, "-", first, "..", first + count - 1);
  MIG_ASSIGN_OR_RETURN(std::unique_ptr<amqp::Connection> amqp, amqp::Connection::Open(options));

  for (int i = first; i < first + count; ++i) {
    const std::string name = AgentName(s, i);
    MIG_RETURN_IF_ERROR(amqp->DeclareQueue(protocol::AgentQueue(name), {.durable = true}).status());
    MIG_RETURN_IF_ERROR(amqp->Bind(protocol::AgentQueue(name), protocol::kAgentsExchange, name));
  }
  StoreMax(fleet.declare_done_nanos, NowNanos());
  for (int i = first; i < first + count; ++i) {
    MIG_RETURN_IF_ERROR(amqp->Consume(protocol::AgentQueue(AgentName(s, i)), static_cast<uint16_t>(s.prefetch)));
  }
  const absl::Time start = absl::Now();
  for (int i = first; i < first + count; ++i) {
    const std::string name = AgentName(s, i);
    protocol::Heartbeat heartbeat{.name = name,
                                  .queue = protocol::AgentQueue(name),
                                  .mode = "daemon",
                                  .version = "fleet_load",
                                  .pid = 100000 + i,
                                  .start_time = start,
                                  .environment_json = R"({"os":"linux","arch":"amd64","ident":"simulated"})",
                                  .tags_json = R"({"bench":"fleet_load"})"};
    MIG_RETURN_IF_ERROR(amqp->PublishAsync(protocol::kResultsExchange, protocol::HeartbeatRoutingKey(name),
                                           protocol::HeartbeatToJson(heartbeat),
                                           {.persistent = true, .content_type = "application/json"})
                            .status());
  }
  MIG_RETURN_IF_ERROR(amqp->WaitForConfirms(absl::Seconds(60)));
  fleet.ready.fetch_add(1);

  while (!fleet.stop.load()) {
    MIG_ASSIGN_OR_RETURN(std::vector<amqp::Delivery> batch, TakeBatch(*amqp, absl::Milliseconds(100), s.batch));
    if (batch.empty()) continue;
    for (const amqp::Delivery& delivery : batch) {
      const int64_t received = NowNanos();
      StoreMin(fleet.first_command_nanos, received);
      StoreMax(fleet.last_command_nanos, received);
      absl::StatusOr<protocol::Command> command = protocol::ParseCommand(delivery.body);
      if (!command.ok()) {
        fleet.refused.fetch_add(1);  // nothing to answer: no command id
        continue;
      }
      protocol::Result result = Answer(*command, investigator, absl::Now());
      if (result.status != protocol::ResultStatus::kSuccess) fleet.refused.fetch_add(1);
      // The routing key is the agent's name: commands are routed by it.
      MIG_RETURN_IF_ERROR(
          amqp->PublishAsync(protocol::kResultsExchange, protocol::ResultRoutingKey(delivery.routing_key),
                             protocol::ResultToJson(result), {.persistent = true, .content_type = "application/json"})
              .status());
    }
    StoreMax(fleet.last_result_nanos, NowNanos());
    MIG_RETURN_IF_ERROR(amqp->WaitForConfirms(absl::Seconds(60)));
    // Delivery tags count up on the channel: one multiple-ack covers every delivery of the batch (and the
    // batches before, acknowledged already).
    MIG_RETURN_IF_ERROR(amqp->Ack(batch.back().delivery_tag, /*multiple=*/true));
  }
  return amqp->Close();
}

// The scheduler's API, each request signed with the investigator's key.
class ApiClient {
 public:
  static absl::StatusOr<ApiClient> Open(std::string url, crypto::Ed25519KeyPair key) {
    size_t scheme = url.find("://");
    size_t path = scheme == std::string::npos ? std::string::npos : url.find('/', scheme + 3);
    if (path == std::string::npos || url.back() != '/') {
      return absl::InvalidArgumentError(absl::StrCat("--api '", url, "' is not like http://127.0.0.1:8393/api/v1/"));
    }
    std::string origin = url.substr(0, path);
    std::string base_path = url.substr(path);
    return ApiClient(std::move(origin), std::move(base_path), std::move(key));
  }

  // `relative` to the API URL ("actions/7"); the body when the status is `expect`.
  absl::StatusOr<std::string> Call(std::string_view method, std::string_view relative, std::string body, int expect) {
    const std::string target = absl::StrCat(base_path_, relative);
    http::Request request{.method = std::string(method), .body = std::move(body)};
    if (!request.body.empty()) request.headers.push_back({"content-type", "application/json"});
    request.headers.push_back(
        {"authorization", api::SignRequest(key_, {request.method, target, request.body}, absl::Now())});
    MIG_ASSIGN_OR_RETURN(http::Response response,
                         http::Fetch(absl::StrCat(origin_, target), request, {.timeout = absl::Seconds(60)}));
    if (response.status != expect) {
      return absl::UnavailableError(
          absl::StrCat(method, " ", target, ": status ", response.status, ": ", response.body));
    }
    return response.body;
  }

 private:
  ApiClient(std::string origin, std::string base_path, crypto::Ed25519KeyPair key)
      : origin_(std::move(origin)), base_path_(std::move(base_path)), key_(std::move(key)) {}

  std::string origin_;
  std::string base_path_;
  crypto::Ed25519KeyPair key_;
};

// Everything but RFC 3986's unreserved characters, percent-encoded.
std::string QueryEscape(std::string_view value) {
  std::string out;
  for (unsigned char c : value) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += absl::StrFormat("%%%02X", c);
    }
  }
  return out;
}

// The integer at `path` (e.g. {"counters", "answered"}) of a JSON object.
absl::StatusOr<int64_t> JsonInt(std::string_view text, std::initializer_list<std::string_view> path) {
  MIG_ASSIGN_OR_RETURN(std::unique_ptr<json::JsonDocument> document, json::JsonDocument::Parse(text, "API answer"));
  simdjson::dom::element element = document->root();
  for (std::string_view key : path) {
    if (element.at_key(key).get(element) != simdjson::SUCCESS) {
      return absl::DataLossError(absl::StrCat("the API's answer has no \"", key, "\": ", text.substr(0, 200)));
    }
  }
  int64_t value = 0;
  if (element.get(value) != simdjson::SUCCESS) {
    return absl::DataLossError(absl::StrCat("the API's answer is not a number at \"", *(path.end() - 1), "\""));
  }
  return value;
}

absl::StatusOr<crypto::Ed25519KeyPair> ReadKey(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read the key file ", path));
  std::stringstream text;
  text << in.rdbuf();
  std::string hex(absl::StripAsciiWhitespace(text.str()));
  std::array<uint8_t, 32> seed{};
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    c = absl::ascii_tolower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  if (hex.size() != 64) return absl::InvalidArgumentError(absl::StrCat(path, " does not hold 64 hex digits"));
  for (size_t i = 0; i < seed.size(); ++i) {
    int high = nibble(hex[2 * i]), low = nibble(hex[2 * i + 1]);
    if (high < 0 || low < 0) return absl::InvalidArgumentError(absl::StrCat(path, " does not hold 64 hex digits"));
    seed[i] = static_cast<uint8_t>(high * 16 + low);
  }
  return crypto::Ed25519KeyPair::FromSeed(seed);
}

// The simulated agents' threads, started and stopped together.
class SimulatedFleet {
 public:
  SimulatedFleet(const Settings& s, const crypto::Ed25519PublicKey& investigator)
      : connections_(std::max(1, std::min(s.connections, s.agents))) {
    for (int c = 0, first = 0; c < connections_; ++c) {
      const int count = s.agents / connections_ + (c < s.agents % connections_ ? 1 : 0);
      threads_.emplace_back([this, &s, &investigator, first, count] {
        absl::Status done = SimulateAgents(s, first, count, investigator, fleet_);
        if (!done.ok()) fleet_.Fail(done);
      });
      first += count;
    }
  }
  ~SimulatedFleet() { Stop(); }

  // Waits until every thread consumes its queues and has its heartbeats confirmed.
  absl::Status WaitReady() {
    while (fleet_.ready.load() + fleet_.failed.load() < connections_) absl::SleepFor(absl::Milliseconds(10));
    if (fleet_.failed.load() > 0)
      return absl::UnavailableError(absl::StrCat("simulated agents: ", fleet_.FirstError()));
    return absl::OkStatus();
  }
  void Stop() {
    fleet_.stop.store(true);
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }
  // Before each action: its first and last command, last result and refusals are its own.
  void ResetTimes() {
    fleet_.first_command_nanos.store(std::numeric_limits<int64_t>::max());
    fleet_.last_command_nanos.store(0);
    fleet_.last_result_nanos.store(0);
    fleet_.refused.store(0);
  }
  int connections() const { return connections_; }
  const Fleet& stats() const { return fleet_; }

 private:
  const int connections_;
  Fleet fleet_;
  std::vector<std::thread> threads_;
};

// One action's figures, relative to t0 (just before the POST).
struct Figures {
  int action = 1;
  absl::Duration setup, registered, submit;
  std::optional<absl::Time> first_result, last_result;
  int64_t targeted = 0, answered = 0, success = 0, polls = 0;
};

void Report(const Settings& s, std::string_view mode, const SimulatedFleet& fleet, absl::Time t0, const Figures& f) {
  auto ms = [&](std::optional<absl::Time> t) {
    return t ? absl::StrFormat("%.0f", absl::ToDoubleMilliseconds(*t - t0)) : std::string("-");
  };
  auto ms_nanos = [&](int64_t nanos) {
    return nanos > 0 && nanos < std::numeric_limits<int64_t>::max() ? ms(absl::FromUnixNanos(nanos)) : "-";
  };
  const Fleet& stats = fleet.stats();
  const double elapsed = absl::ToDoubleSeconds((f.last_result ? *f.last_result : absl::Now()) - t0);
  std::cout << absl::StrFormat(
                   "agents=%d connections=%d mode=%s action=%d setup_ms=%.0f registered_ms=%.0f submit_ms=%.0f "
                   "first_command_ms=%s last_command_ms=%s last_result_sent_ms=%s first_result_ms=%s "
                   "last_result_ms=%s answered=%d success=%d refused=%d polls=%d rate=%.0f/s",
                   s.agents, fleet.connections(), mode, f.action, absl::ToDoubleMilliseconds(f.setup),
                   absl::ToDoubleMilliseconds(f.registered), absl::ToDoubleMilliseconds(f.submit),
                   ms_nanos(stats.first_command_nanos.load()), ms_nanos(stats.last_command_nanos.load()),
                   ms_nanos(stats.last_result_nanos.load()), ms(f.first_result), ms(f.last_result), f.answered,
                   f.success, stats.refused.load(), f.polls, elapsed > 0 ? f.answered / elapsed : 0.0)
            << std::endl;
}

action::Action SignedAction(const Settings& s, const crypto::Ed25519KeyPair& key, const std::string& target) {
  action::Action action = action::NewAction(absl::StrCat("fleet load ", s.agents), target, absl::Now(), s.validity);
  action.description.author = "fleet_load";
  action.operations.push_back({.module = "file", .parameters = kFileParameters});
  absl::StatusOr<action::Signature> signature = action::SignAction(action, key);
  if (signature.ok()) action.signatures.push_back(*signature);  // cannot fail: the parameters are an object
  return action;
}

// Through the scheduler: POST the action, then poll its counters until every targeted agent answered.
absl::Status SchedulerAction(const Settings& s, const crypto::Ed25519KeyPair& key, ApiClient& api,
                             SimulatedFleet& fleet, const std::string& target, Figures f) {
  std::string body = action::ActionToJson(SignedAction(s, key, target));
  fleet.ResetTimes();
  const absl::Time t0 = absl::Now();
  MIG_ASSIGN_OR_RETURN(std::string created, api.Call("POST", "actions", std::move(body), 201));
  f.submit = absl::Now() - t0;
  MIG_ASSIGN_OR_RETURN(int64_t id, JsonInt(created, {"id"}));
  MIG_ASSIGN_OR_RETURN(f.targeted, JsonInt(created, {"targeted"}));
  if (f.targeted != s.agents) {
    std::cerr << "fleet_load: warning: the action targets " << f.targeted << " agents, not " << s.agents << "\n";
  }
  const std::string show = absl::StrCat("actions/", id);
  while (absl::Now() - t0 < s.timeout) {
    MIG_ASSIGN_OR_RETURN(std::string answer, api.Call("GET", show, "", 200));
    const absl::Time seen = absl::Now();
    ++f.polls;
    MIG_ASSIGN_OR_RETURN(f.answered, JsonInt(answer, {"counters", "answered"}));
    MIG_ASSIGN_OR_RETURN(f.success, JsonInt(answer, {"counters", "success"}));
    if (f.answered > 0 && !f.first_result) f.first_result = seen;
    if (f.answered >= f.targeted) {
      f.last_result = seen;
      break;
    }
    absl::SleepFor(s.poll);
  }
  Report(s, "scheduler", fleet, t0, f);
  if (!f.last_result) {
    return absl::DeadlineExceededError(
        absl::StrCat(f.answered, " of ", f.targeted, " agents answered within ", absl::FormatDuration(s.timeout)));
  }
  return absl::OkStatus();
}

// Waits until the scheduler registered every agent, then launches --actions actions one after the other.
absl::Status RunThroughScheduler(const Settings& s, const crypto::Ed25519KeyPair& key, SimulatedFleet& fleet,
                                 absl::Time setup_start) {
  MIG_ASSIGN_OR_RETURN(ApiClient api, ApiClient::Open(s.api, key));
  const std::string target = absl::StrCat("name LIKE '", s.prefix, "-%'");
  Figures f;
  f.setup = absl::Now() - setup_start;
  const std::string agents_query = absl::StrCat("agents?limit=0&target=", QueryEscape(target));
  const absl::Time register_deadline = absl::Now() + s.timeout;
  int64_t matched = 0;
  while (true) {
    MIG_ASSIGN_OR_RETURN(std::string answer, api.Call("GET", agents_query, "", 200));
    MIG_ASSIGN_OR_RETURN(matched, JsonInt(answer, {"matched"}));
    if (matched >= s.agents || absl::Now() >= register_deadline) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  f.registered = absl::Now() - setup_start;
  if (matched != s.agents) {
    return absl::DeadlineExceededError(absl::StrCat("the scheduler registered ", matched, " of ", s.agents,
                                                    " agents matching ", target, " within ",
                                                    absl::FormatDuration(s.timeout)));
  }
  std::cerr << absl::StrFormat("fleet_load: the scheduler registered all %d at %.0f ms\n", s.agents,
                               absl::ToDoubleMilliseconds(f.registered));
  for (f.action = 1; f.action <= s.actions; ++f.action) {
    MIG_RETURN_IF_ERROR(SchedulerAction(s, key, api, fleet, target, f));
  }
  return absl::OkStatus();
}

// Without the scheduler (--direct, none may be running): the broker's and the agents' share alone. One
// connection publishes the commands as the scheduler's dispatcher does (persistent, in windows of --window
// confirmed publishes); another consumes mig.scheduler.results in batches of 500, acknowledging each batch
// as the scheduler's results worker does, without recording anything.
absl::Status DirectAction(const Settings& s, const crypto::Ed25519KeyPair& key, amqp::Connection& dispatcher,
                          amqp::Connection& results, SimulatedFleet& fleet, Figures f) {
  f.targeted = s.agents;
  std::atomic<int64_t> answered{0}, success{0}, first_result{0}, last_result{0};
  std::atomic<bool> done{false}, consumer_ended{false};
  absl::Status consumed;  // written by the consumer, read once it ended
  const std::string action_json = action::ActionToJson(SignedAction(s, key, "direct"));
  fleet.ResetTimes();
  const absl::Time t0 = absl::Now();
  std::thread consumer([&] {
    consumed = [&]() -> absl::Status {
      while (!done.load() && answered.load() < s.agents) {
        MIG_ASSIGN_OR_RETURN(std::vector<amqp::Delivery> batch, TakeBatch(results, absl::Milliseconds(100), 500));
        if (batch.empty()) continue;
        for (const amqp::Delivery& delivery : batch) {
          absl::StatusOr<protocol::Result> result = protocol::ParseResult(delivery.body);
          if (!result.ok() || !absl::StartsWith(delivery.routing_key, absl::StrCat(s.prefix, "-"))) continue;
          answered.fetch_add(1);
          if (result->status == protocol::ResultStatus::kSuccess) success.fetch_add(1);
        }
        MIG_RETURN_IF_ERROR(results.Ack(batch.back().delivery_tag, /*multiple=*/true));
        const int64_t now = NowNanos();
        int64_t unset = 0;
        first_result.compare_exchange_strong(unset, now);
        last_result.store(now);
      }
      return absl::OkStatus();
    }();
    consumer_ended.store(true);
  });

  absl::Status published;
  const int64_t first_id = int64_t{f.action - 1} * s.agents + 1;
  for (int i = 0; i < s.agents && published.ok(); ++i) {
    published = dispatcher
                    .PublishAsync(protocol::kAgentsExchange, AgentName(s, i),
                                  protocol::CommandToJson({.id = first_id + i, .action_json = action_json}),
                                  {.persistent = !s.transient, .content_type = "application/json"})
                    .status();
    if (published.ok() && (dispatcher.unconfirmed() >= static_cast<size_t>(s.window) || i + 1 == s.agents)) {
      published = dispatcher.WaitForConfirms(absl::Seconds(60));
    }
  }
  f.submit = absl::Now() - t0;
  while (published.ok() && !consumer_ended.load() && absl::Now() - t0 < s.timeout) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  done.store(true);
  consumer.join();
  MIG_RETURN_IF_ERROR(published);
  MIG_RETURN_IF_ERROR(consumed);
  f.answered = answered.load();
  f.success = success.load();
  if (first_result.load() > 0) f.first_result = absl::FromUnixNanos(first_result.load());
  if (f.answered >= s.agents) f.last_result = absl::FromUnixNanos(last_result.load());
  Report(s, "direct", fleet, t0, f);
  if (!f.last_result) return absl::DeadlineExceededError(absl::StrCat(f.answered, " of ", s.agents, " answered"));
  return absl::OkStatus();
}

absl::Status RunDirect(const Settings& s, const crypto::Ed25519KeyPair& key, SimulatedFleet& fleet,
                       absl::Time setup_start) {
  Figures f;
  f.setup = f.registered = absl::Now() - setup_start;
  MIG_ASSIGN_OR_RETURN(amqp::ConnectionOptions options, amqp::ConnectionOptionsFromRelayUrl(s.relay, std::nullopt));
  options.publisher_confirms = true;
  MIG_ASSIGN_OR_RETURN(std::unique_ptr<amqp::Connection> dispatcher, amqp::Connection::Open(options));
  MIG_ASSIGN_OR_RETURN(std::unique_ptr<amqp::Connection> results, amqp::Connection::Open(options));
  MIG_RETURN_IF_ERROR(results->Consume("mig.scheduler.results", 500));
  for (f.action = 1; f.action <= s.actions; ++f.action) {
    MIG_RETURN_IF_ERROR(DirectAction(s, key, *dispatcher, *results, fleet, f));
  }
  return absl::OkStatus();
}

absl::Status Run(const Settings& s, const crypto::Ed25519KeyPair& key) {
  const absl::Time setup_start = absl::Now();
  SimulatedFleet fleet(s, key.public_key());
  MIG_RETURN_IF_ERROR(fleet.WaitReady());
  std::cerr << absl::StrFormat(
      "fleet_load: %d agents on %d connections: queues declared and bound at %.0f ms, consumed and heartbeats "
      "confirmed at %.0f ms\n",
      s.agents, fleet.connections(),
      absl::ToDoubleMilliseconds(absl::FromUnixNanos(fleet.stats().declare_done_nanos.load()) - setup_start),
      absl::ToDoubleMilliseconds(absl::Now() - setup_start));
  absl::Status done =
      s.direct ? RunDirect(s, key, fleet, setup_start) : RunThroughScheduler(s, key, fleet, setup_start);
  fleet.Stop();
  return done;
}

}  // namespace
}  // namespace mig::bench

int main(int argc, char** argv) {
  mig::bench::Settings s;
  int poll_ms = 20, timeout_s = 120;
  CLI::App app{"Submit-to-last-result time of one action on N simulated agents, through a running scheduler"};
  app.add_option("--relay", s.relay, "the broker, as the scheduler user: amqp://scheduler:pw@localhost:5672/mig");
  app.add_option("--api", s.api, "the scheduler's API: http://127.0.0.1:8393/api/v1/");
  app.add_option("--key", s.key_file, "the investigator's Ed25519 seed, 64 hex digits")->required();
  app.add_flag("--print-key", s.print_key, "print the investigator's public key (ed25519:...) and exit");
  app.add_option("--agents", s.agents, "simulated agents")->capture_default_str()->check(CLI::Range(1, 1000000));
  app.add_option("--connections", s.connections, "broker connections (threads) they are spread over")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--prefix", s.prefix, "agents are <prefix>-0 ... <prefix>-<N-1>")->capture_default_str();
  app.add_option("--prefetch", s.prefetch, "unacknowledged commands per agent queue")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  app.add_option("--batch", s.batch, "commands answered per confirm-and-ack round")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--actions", s.actions,
                 "actions launched one after the other (the first one's commands are the first messages their "
                 "new queues hold)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_flag("--direct", s.direct,
               "without the scheduler (none may run): publish the commands and consume the results here");
  app.add_option("--window", s.window, "--direct: unconfirmed commands at a time")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_flag("--transient", s.transient, "--direct: commands as transient messages, not written to disk");
  app.add_option("--poll-ms", poll_ms, "how often the action's counters are read")->capture_default_str();
  app.add_option("--timeout", timeout_s, "seconds to wait for registration, and again for the answers")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  s.poll = absl::Milliseconds(poll_ms);
  s.timeout = absl::Seconds(timeout_s);

  absl::StatusOr<mig::crypto::Ed25519KeyPair> key = mig::bench::ReadKey(s.key_file);
  if (!key.ok()) {
    std::cerr << "fleet_load: " << key.status().message() << "\n";
    return 2;
  }
  if (s.print_key) {
    std::cout << key->public_key().ToString() << "\n";
    return 0;
  }
  if (s.relay.empty() || (s.api.empty() && !s.direct)) {
    std::cerr << "fleet_load: --relay and --api (or --direct) are required\n";
    return 2;
  }
  if (!mig::protocol::CheckAgentName(mig::bench::AgentName(s, s.agents - 1)).ok()) {
    std::cerr << "fleet_load: --prefix '" << s.prefix << "' does not make valid agent names\n";
    return 2;
  }
  absl::Status done = mig::bench::Run(s, *key);
  if (!done.ok()) {
    std::cerr << "fleet_load: " << done.message() << "\n";
    return 1;
  }
  return 0;
}
