#include "scheduler/api.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/json/writer.h"
#include "base/log.h"
#include "base/rfc3339.h"
#include "protocol/action/action.h"

namespace mig::scheduler {
namespace {

constexpr std::string_view kLog = "api";
constexpr std::string_view kPrefix = "/api/v1/";
constexpr int64_t kMaxPage = 1000;
constexpr int64_t kMaxAgentsListed = 100'000;

http::Response Json(int status, std::string body) { return {.status = status, .body = std::move(body)}; }

// A non-negative integer query parameter, `fallback` when absent; nullopt when malformed or above `max`.
std::optional<int64_t> IntegerParameter(const http::Request& request, std::string_view key, int64_t fallback,
                                        int64_t max) {
  std::optional<std::string> text = request.Query(key);
  if (!text) return fallback;
  int64_t value = 0;
  if (!absl::SimpleAtoi(*text, &value) || value < 0 || value > max) return std::nullopt;
  return value;
}

void ActionSummary(json::JsonWriter& w, const StoredAction& action) {
  w.Field("id", action.id);
  w.Field("name", action.name);
  w.Field("target", action.target);
  w.Field("validfrom", action.valid_from);
  w.Field("expireafter", action.expire_after);
  w.Field("created", action.created);
  w.Field("investigator", action.investigator);
}

void CountersJson(json::JsonWriter& w, const ActionCounters& c) {
  w.Key("counters");
  w.BeginObject();
  w.Field("targeted", c.targeted);
  w.Field("answered", c.answered());
  w.Field("pending", c.pending);
  w.Field("pendingnotonline", c.pending_not_online);
  w.Field("unanswered", c.unanswered);
  w.Field("success", c.success);
  w.Field("failed", c.failed);
  w.Field("refused", c.refused);
  w.Field("timeout", c.timeout);
  w.Field("expired", c.expired);
  w.Field("found", c.found);
  w.EndObject();
}

// Every signature must be a known investigator's and verify: an action nobody here can vouch for is not
// fanned out to thousands of agents only to be refused by each.
absl::Status CheckSignatures(const action::Action& action, const authorization::Keyring& investigators) {
  if (action.signatures.empty()) return absl::InvalidArgumentError("the action is not signed");
  absl::StatusOr<std::string> bytes = action::SigningBytes(action);
  if (!bytes.ok()) return bytes.status();
  for (const action::Signature& signature : action.signatures) {
    const authorization::Investigator* signer = investigators.FindByKeyId(signature.key_id);
    if (signer == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("the action is signed by key ", signature.key_id, ", which is no investigator's here"));
    }
    if (!signer->key.Verify(*bytes, signature.signature)) {
      return absl::InvalidArgumentError(
          absl::StrCat("the signature of ", signer->name, " (key ", signature.key_id, ") does not verify"));
    }
  }
  return absl::OkStatus();
}

// A target refused (outside the language, or beyond its limits) is the caller's error; anything else is ours.
http::Response TargetError(const absl::Status& status) {
  bool callers = absl::IsInvalidArgument(status) || absl::IsResourceExhausted(status);
  return http::ErrorResponse(callers ? 400 : 500, absl::StrCat("target: ", status.message()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Api>> Api::Open(ApiOptions options) {
  absl::StatusOr<Store> store = Store::Open(options.database);
  if (!store.ok()) return store.status();
  absl::StatusOr<TargetSelector> selector = TargetSelector::Open(options.database, options.target_limits);
  if (!selector.ok()) return selector.status();
  authorization::Keyring keys;
  for (const api::Investigator& investigator : options.investigators) {
    if (absl::Status added = keys.Add(investigator.name, investigator.key); !added.ok()) return added;
  }
  return std::unique_ptr<Api>(new Api(std::move(options), *std::move(store), *std::move(selector), std::move(keys)));
}

Api::Api(ApiOptions options, Store store, TargetSelector selector, authorization::Keyring keys)
    : options_(std::move(options)),
      store_(std::move(store)),
      selector_(std::move(selector)),
      keys_(std::move(keys)),
      verifier_(options_.investigators, options_.max_skew) {}

http::Response Api::Handle(const http::Request& request) {
  std::string path = request.Path();
  if (path == "/api/v1/health" && request.method == "GET") return Json(200, R"({"status":"ok"})");
  absl::MutexLock lock(&mutex_);
  std::optional<std::string_view> authorization = request.Header("authorization");
  absl::StatusOr<std::string> investigator =
      authorization ? verifier_.Verify(*authorization, {request.method, request.target, request.body}, options_.now())
                    : absl::UnauthenticatedError(absl::StrCat("no Authorization header (", api::kScheme, ")"));
  if (!investigator.ok()) {
    log::Warning(kLog,
                 absl::StrCat(request.peer, " ", request.method, " ", path, ": ", investigator.status().message()));
    return http::ErrorResponse(401, investigator.status().message());
  }
  if (!absl::StartsWith(path, kPrefix)) return http::ErrorResponse(404, absl::StrCat("no endpoint ", path));
  std::vector<std::string_view> parts = absl::StrSplit(std::string_view(path).substr(kPrefix.size()), '/');
  auto method_not_allowed = [&] {
    return http::ErrorResponse(405, absl::StrCat(request.method, " is not allowed on ", path));
  };
  if (parts[0] == "actions") {
    if (parts.size() == 1) {
      if (request.method == "POST") return CreateAction(request, *investigator);
      if (request.method == "GET") return ListActions(request, *investigator);
      return method_not_allowed();
    }
    int64_t id = 0;
    if (!absl::SimpleAtoi(parts[1], &id) || id <= 0) {
      return http::ErrorResponse(404, absl::StrCat("'", parts[1], "' is not an action id"));
    }
    if (request.method != "GET") return method_not_allowed();
    if (parts.size() == 2) return ShowAction(id);
    if (parts.size() == 3 && parts[2] == "results") return ActionResults(id, request);
  } else if (parts.size() == 1 && parts[0] == "agents") {
    if (request.method != "GET") return method_not_allowed();
    return ListAgents(request);
  } else if (parts.size() == 1 && parts[0] == "investigators") {
    if (request.method != "GET") return method_not_allowed();
    return ListInvestigators();
  }
  return http::ErrorResponse(404, absl::StrCat("no endpoint ", path));
}

http::Response Api::CreateAction(const http::Request& request, const std::string& investigator) {
  absl::StatusOr<action::Action> action = action::ParseAction(request.body);
  if (!action.ok()) return http::ErrorResponse(400, absl::StrCat("the action: ", action.status().message()));
  if (absl::Status signed_ok = CheckSignatures(*action, keys_); !signed_ok.ok()) {
    return http::ErrorResponse(400, signed_ok.message());
  }
  absl::Time now = options_.now();
  if (action->expire_after <= now) {
    return http::ErrorResponse(400,
                               absl::StrCat("the action expired at ", action::FormatActionTime(action->expire_after)));
  }
  // Agents refuse an id they have run (their replay cache), so a second action with the same id could only
  // be refused everywhere: it is refused here, before its target costs anything.
  if (absl::Status unused = store_.CheckActionIdUnused(action->id); !unused.ok()) {
    return http::ErrorResponse(absl::IsAlreadyExists(unused) ? 409 : 500, unused.message());
  }
  absl::StatusOr<std::vector<TargetedAgent>> agents = selector_.Select(action->target, now);
  if (!agents.ok()) return TargetError(agents.status());
  if (agents->empty()) {
    return http::ErrorResponse(422, absl::StrCat("the target selects no agent: ", action->target));
  }
  absl::StatusOr<CreatedAction> created = store_.CreateAction({.signed_id = action->id,
                                                               .name = action->name,
                                                               .target = action->target,
                                                               .json = request.body,
                                                               .valid_from = action->valid_from,
                                                               .expire_after = action->expire_after,
                                                               .investigator = investigator},
                                                              *agents, now);
  if (absl::IsAlreadyExists(created.status())) return http::ErrorResponse(409, created.status().message());
  if (!created.ok()) return http::ErrorResponse(500, created.status().message());
  options_.commands_created();
  log::Info(kLog, absl::StrCat(investigator, " launched action ", created->id, " (", action->name, ", id ", action->id,
                               ") on ", created->commands.size(), " agent(s)"));
  json::JsonWriter w;
  w.BeginObject();
  w.Field("id", created->id);
  w.Field("action", action->id);
  w.Field("targeted", static_cast<int64_t>(created->commands.size()));
  w.EndObject();
  return Json(201, std::move(w).Take());
}

http::Response Api::ListActions(const http::Request& request, const std::string& investigator) {
  std::optional<int64_t> offset = IntegerParameter(request, "offset", 0, INT64_MAX);
  std::optional<int64_t> limit = IntegerParameter(request, "limit", 50, kMaxPage);
  if (!offset || !limit)
    return http::ErrorResponse(400, absl::StrCat("offset and limit are integers, limit at most ", kMaxPage));
  ActionFilter filter;
  filter.name_contains = request.Query("name").value_or("");
  if (std::optional<std::string> since = request.Query("since")) {
    absl::StatusOr<absl::Time> time = ParseRfc3339(*since);
    if (!time.ok()) return http::ErrorResponse(400, absl::StrCat("since: ", time.status().message()));
    filter.created_since = *time;
  }
  std::optional<int64_t> running = IntegerParameter(request, "running", 0, 1);
  std::optional<int64_t> mine = IntegerParameter(request, "mine", 0, 1);
  if (!running || !mine) return http::ErrorResponse(400, "running and mine are 0 or 1");
  filter.running_only = *running == 1;
  // "Mine" is whoever signed this request: the scheduler knows, the client need not say.
  if (*mine == 1) filter.investigator = investigator;
  absl::StatusOr<std::vector<StoredAction>> actions = store_.ListActions(filter, options_.now(), *offset, *limit);
  if (!actions.ok()) return http::ErrorResponse(500, actions.status().message());
  json::JsonWriter w;
  w.BeginObject();
  w.Key("actions");
  w.BeginArray();
  for (const StoredAction& action : *actions) {
    w.BeginObject();
    ActionSummary(w, action);
    if (absl::StatusOr<ActionCounters> counters = store_.Counters(action.id); counters.ok()) CountersJson(w, *counters);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return Json(200, std::move(w).Take());
}

http::Response Api::ShowAction(int64_t id) {
  absl::StatusOr<StoredAction> action = store_.GetAction(id);
  if (absl::IsNotFound(action.status())) return http::ErrorResponse(404, action.status().message());
  if (!action.ok()) return http::ErrorResponse(500, action.status().message());
  absl::StatusOr<ActionCounters> counters = store_.Counters(id);
  if (!counters.ok()) return http::ErrorResponse(500, counters.status().message());
  json::JsonWriter w;
  w.BeginObject();
  ActionSummary(w, *action);
  CountersJson(w, *counters);
  w.Key("action");
  w.Raw(action->json);
  w.EndObject();
  return Json(200, std::move(w).Take());
}

http::Response Api::ActionResults(int64_t id, const http::Request& request) {
  std::string filter_name = request.Query("filter").value_or("all");
  ResultFilter filter;
  if (filter_name == "all") {
    filter = ResultFilter::kAll;
  } else if (filter_name == "found") {
    filter = ResultFilter::kFound;
  } else if (filter_name == "notfound") {
    filter = ResultFilter::kNotFound;
  } else if (filter_name == "unanswered") {
    filter = ResultFilter::kUnanswered;
  } else {
    return http::ErrorResponse(400,
                               absl::StrCat("filter '", filter_name, "' is not found, notfound, unanswered or all"));
  }
  std::optional<int64_t> offset = IntegerParameter(request, "offset", 0, INT64_MAX);
  std::optional<int64_t> limit = IntegerParameter(request, "limit", 100, kMaxPage);
  if (!offset || !limit)
    return http::ErrorResponse(400, absl::StrCat("offset and limit are integers, limit at most ", kMaxPage));
  if (absl::StatusOr<StoredAction> action = store_.GetAction(id); !action.ok()) {
    return http::ErrorResponse(absl::IsNotFound(action.status()) ? 404 : 500, action.status().message());
  }
  absl::StatusOr<std::vector<StoredResult>> results = store_.Results(id, filter, *offset, *limit);
  if (!results.ok()) return http::ErrorResponse(500, results.status().message());
  json::JsonWriter w;
  w.BeginObject();
  w.Key("results");
  w.BeginArray();
  for (const StoredResult& result : *results) {
    w.BeginObject();
    w.Field("agent", result.agent_name);
    w.Field("command", result.command_id);
    w.Field("status", result.status);
    w.Field("answered", result.answered);
    w.Field("found", result.found);
    w.Field("agentstatus", result.agent_status);
    w.Field("heartbeattime", result.heartbeat_time);
    w.Key("result");
    if (result.answered) {
      w.Raw(result.json);
    } else {
      w.Null();
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("next");
  if (static_cast<int64_t>(results->size()) == *limit && *limit > 0) {
    w.Int(*offset + *limit);
  } else {
    w.Null();
  }
  w.EndObject();
  return Json(200, std::move(w).Take());
}

http::Response Api::ListAgents(const http::Request& request) {
  std::string target = request.Query("target").value_or("status='online'");
  std::optional<int64_t> limit = IntegerParameter(request, "limit", 1000, kMaxAgentsListed);
  if (!limit) return http::ErrorResponse(400, absl::StrCat("limit is an integer, at most ", kMaxAgentsListed));
  absl::StatusOr<std::vector<TargetedAgent>> selected = selector_.Select(target, options_.now());
  if (!selected.ok()) return TargetError(selected.status());
  std::vector<int64_t> ids;
  for (const TargetedAgent& agent : *selected) {
    if (static_cast<int64_t>(ids.size()) >= *limit) break;
    ids.push_back(agent.id);
  }
  absl::StatusOr<std::vector<StoredAgent>> agents = store_.Agents(ids);
  if (!agents.ok()) return http::ErrorResponse(500, agents.status().message());
  json::JsonWriter w;
  w.BeginObject();
  w.Field("matched", static_cast<int64_t>(selected->size()));
  w.Key("agents");
  w.BeginArray();
  for (const StoredAgent& agent : *agents) {
    w.BeginObject();
    w.Field("id", agent.id);
    w.Field("name", agent.name);
    w.Field("status", agent.status);
    w.Field("mode", agent.mode);
    w.Field("version", agent.version);
    w.Field("pid", agent.pid);
    w.Field("queueloc", agent.queue);
    w.Field("starttime", agent.start_time);
    w.Field("heartbeattime", agent.heartbeat_time);
    w.Key("environment");
    w.Raw(agent.environment_json);
    w.Key("tags");
    w.Raw(agent.tags_json);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return Json(200, std::move(w).Take());
}

http::Response Api::ListInvestigators() {
  json::JsonWriter w;
  w.BeginObject();
  w.Key("investigators");
  w.BeginArray();
  for (const api::Investigator& investigator : options_.investigators) {
    w.BeginObject();
    w.Field("name", investigator.name);
    w.Field("keyid", investigator.key.KeyId());
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return Json(200, std::move(w).Take());
}

}  // namespace mig::scheduler
