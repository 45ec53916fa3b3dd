#include "protocol/messages.h"

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/json/reader.h"
#include "base/json/writer.h"
#include "base/rfc3339.h"
#include "base/status_macros.h"

namespace mig::protocol {
namespace {

// Linux's PID_MAX_LIMIT: no process id is larger (kernel/pid.c, on 64-bit).
constexpr int64_t kMaxPid = int64_t{1} << 22;
constexpr size_t kMaxVersionBytes = 128;

absl::StatusOr<simdjson::dom::element> Member(simdjson::dom::object object, std::string_view key,
                                              std::string_view what) {
  simdjson::dom::element value;
  if (object[key].get(value) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": no \"", key, "\""));
  }
  return value;
}

absl::StatusOr<int64_t> AsInt(simdjson::dom::element element, std::string_view path) {
  int64_t value = 0;
  if (element.get(value) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": expected a whole number, got ", json::TypeName(element)));
  }
  return value;
}

// A command id, as a command or a result holds it: the scheduler numbers commands from 1.
absl::StatusOr<int64_t> AsCommandId(simdjson::dom::element element, std::string_view path) {
  MIG_ASSIGN_OR_RETURN(int64_t id, AsInt(element, path));
  if (id <= 0) return absl::InvalidArgumentError(absl::StrCat(path, ": ", id, " is not a command id (1 or more)"));
  return id;
}

absl::StatusOr<simdjson::dom::object> Root(const json::JsonDocument& document, std::string_view what,
                                           std::initializer_list<std::string_view> keys) {
  MIG_ASSIGN_OR_RETURN(simdjson::dom::object root, json::AsObject(document.root(), ""));
  absl::Status known = json::CheckKeys(root, "", keys);
  if (!known.ok()) return absl::InvalidArgumentError(absl::StrCat(what, ": ", known.message()));
  return root;
}

}  // namespace

std::string AgentQueue(std::string_view agent) { return absl::StrCat("mig.agent.", agent); }
std::string ResultRoutingKey(std::string_view agent) { return absl::StrCat(agent, ".results"); }
std::string HeartbeatRoutingKey(std::string_view agent) { return absl::StrCat(agent, ".heartbeat"); }

absl::Status CheckAgentName(std::string_view name) {
  if (name.empty() || name.size() > 128) {
    return absl::InvalidArgumentError(absl::StrCat("agent name '", name, "' must be 1 to 128 characters"));
  }
  if (!absl::ascii_islower(name[0]) && !absl::ascii_isdigit(name[0])) {
    return absl::InvalidArgumentError(absl::StrCat("agent name '", name, "' must start with a letter or digit"));
  }
  if (!absl::ascii_islower(name.back()) && !absl::ascii_isdigit(name.back())) {
    return absl::InvalidArgumentError(absl::StrCat("agent name '", name, "' must end with a letter or digit"));
  }
  if (absl::StrContains(name, "..")) {
    return absl::InvalidArgumentError(absl::StrCat("agent name '", name, "' may not hold an empty label ('..')"));
  }
  for (char c : name) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '.' && c != '-') {
      return absl::InvalidArgumentError(
          absl::StrCat("agent name '", name, "' may hold only lowercase letters, digits, '.' and '-'"));
    }
  }
  return absl::OkStatus();
}

std::string CommandToJson(const Command& command) {
  json::JsonWriter w;
  w.BeginObject();
  w.Field("id", command.id);
  w.Key("action");
  w.Raw(command.action_json);
  w.EndObject();
  return std::move(w).Take();
}

absl::StatusOr<Command> ParseCommand(std::string_view text) {
  MIG_ASSIGN_OR_RETURN(auto document, json::JsonDocument::Parse(text, "command", kMaxCommandBytes));
  MIG_ASSIGN_OR_RETURN(simdjson::dom::object root, Root(*document, "command", {"id", "action"}));
  Command command;
  MIG_ASSIGN_OR_RETURN(simdjson::dom::element id, Member(root, "id", "command"));
  MIG_ASSIGN_OR_RETURN(command.id, AsCommandId(id, "command.id"));
  MIG_ASSIGN_OR_RETURN(simdjson::dom::element action, Member(root, "action", "command"));
  MIG_RETURN_IF_ERROR(json::AsObject(action, "command.action").status());
  command.action_json = simdjson::minify(action);
  return command;
}

std::string_view ResultStatusName(ResultStatus status) {
  switch (status) {
    case ResultStatus::kSuccess:
      return "success";
    case ResultStatus::kFailed:
      return "failed";
    case ResultStatus::kRefused:
      return "refused";
    case ResultStatus::kTimeout:
      return "timeout";
    case ResultStatus::kExpired:
      return "expired";
  }
  return "failed";
}

std::string ResultToJson(const Result& result) {
  json::JsonWriter w;
  w.BeginObject();
  w.Field("command", result.command);
  w.Field("action", result.action);
  w.Field("status", ResultStatusName(result.status));
  w.Field("reason", result.reason);
  w.Key("results");
  w.BeginArray();
  for (const std::string& operation : result.operation_results) w.Raw(operation);
  w.EndArray();
  w.EndObject();
  return std::move(w).Take();
}

absl::StatusOr<Result> ParseResult(std::string_view text) {
  MIG_ASSIGN_OR_RETURN(auto document, json::JsonDocument::Parse(text, "result", kMaxResultBytes));
  MIG_ASSIGN_OR_RETURN(simdjson::dom::object root,
                       Root(*document, "result", {"command", "action", "status", "reason", "results"}));
  Result result;
  MIG_ASSIGN_OR_RETURN(simdjson::dom::element command, Member(root, "command", "result"));
  MIG_ASSIGN_OR_RETURN(result.command, AsCommandId(command, "result.command"));
  MIG_ASSIGN_OR_RETURN(simdjson::dom::element action, Member(root, "action", "result"));
  MIG_ASSIGN_OR_RETURN(result.action, json::AsCount(action, "result.action", uint64_t{1} << 53));
  MIG_ASSIGN_OR_RETURN(simdjson::dom::element status_element, Member(root, "status", "result"));
  MIG_ASSIGN_OR_RETURN(std::string status, json::AsString(status_element, "result.status"));
  bool known = false;
  for (ResultStatus candidate : {ResultStatus::kSuccess, ResultStatus::kFailed, ResultStatus::kRefused,
                                 ResultStatus::kTimeout, ResultStatus::kExpired}) {
    if (status == ResultStatusName(candidate)) {
      result.status = candidate;
      known = true;
    }
  }
  if (!known) return absl::InvalidArgumentError(absl::StrCat("result.status: unknown status '", status, "'"));
  simdjson::dom::element reason;
  if (root["reason"].get(reason) == simdjson::SUCCESS) {
    MIG_ASSIGN_OR_RETURN(result.reason, json::AsString(reason, "result.reason"));
  }
  MIG_ASSIGN_OR_RETURN(simdjson::dom::element results_element, Member(root, "results", "result"));
  MIG_ASSIGN_OR_RETURN(simdjson::dom::array results, json::AsArray(results_element, "result.results"));
  if (results.size() > action::kMaxOperations) {
    return absl::InvalidArgumentError(absl::StrCat("result.results: ", results.size(),
                                                   " operation results, more than an action may have (",
                                                   action::kMaxOperations, ")"));
  }
  for (simdjson::dom::element operation : results) result.operation_results.push_back(simdjson::minify(operation));
  return result;
}

std::string HeartbeatToJson(const Heartbeat& heartbeat) {
  json::JsonWriter w;
  w.BeginObject();
  w.Field("name", heartbeat.name);
  w.Field("queue", heartbeat.queue);
  w.Field("mode", heartbeat.mode);
  w.Field("version", heartbeat.version);
  w.Field("pid", heartbeat.pid);
  w.Field("starttime", absl::FormatTime(absl::RFC3339_full, heartbeat.start_time, absl::UTCTimeZone()));
  if (heartbeat.frequency_seconds > 0) w.Field("heartbeatfreq", heartbeat.frequency_seconds);
  w.Key("environment");
  w.Raw(heartbeat.environment_json);
  w.Key("tags");
  w.Raw(heartbeat.tags_json);
  w.EndObject();
  return std::move(w).Take();
}

absl::StatusOr<Heartbeat> ParseHeartbeat(std::string_view text) {
  MIG_ASSIGN_OR_RETURN(auto document, json::JsonDocument::Parse(text, "heartbeat", kMaxHeartbeatBytes));
  MIG_ASSIGN_OR_RETURN(simdjson::dom::object root, Root(*document, "heartbeat",
                                                        {"name", "queue", "mode", "version", "pid", "starttime",
                                                         "heartbeatfreq", "environment", "tags"}));
  Heartbeat heartbeat;
  for (auto [key, field] : {std::pair<std::string_view, std::string*>{"name", &heartbeat.name},
                            {"queue", &heartbeat.queue},
                            {"mode", &heartbeat.mode},
                            {"version", &heartbeat.version}}) {
    MIG_ASSIGN_OR_RETURN(simdjson::dom::element value, Member(root, key, "heartbeat"));
    MIG_ASSIGN_OR_RETURN(*field, json::AsString(value, json::ChildPath("heartbeat", key)));
  }
  MIG_RETURN_IF_ERROR(CheckAgentName(heartbeat.name));
  if (heartbeat.queue != AgentQueue(heartbeat.name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("heartbeat.queue: '", heartbeat.queue, "' is not agent ", heartbeat.name, "'s queue"));
  }
  if (heartbeat.mode != "daemon" && heartbeat.mode != "checkin") {
    return absl::InvalidArgumentError(absl::StrCat("heartbeat.mode: '", heartbeat.mode, "' is not daemon or checkin"));
  }
  if (heartbeat.version.empty() || heartbeat.version.size() > kMaxVersionBytes ||
      !absl::c_all_of(heartbeat.version, [](char c) { return absl::ascii_isgraph(c); })) {
    return absl::InvalidArgumentError(absl::StrCat("heartbeat.version: '", heartbeat.version, "' is not 1 to ",
                                                   kMaxVersionBytes, " printable ASCII characters"));
  }
  MIG_ASSIGN_OR_RETURN(simdjson::dom::element pid, Member(root, "pid", "heartbeat"));
  MIG_ASSIGN_OR_RETURN(heartbeat.pid, AsInt(pid, "heartbeat.pid"));
  if (heartbeat.pid < 1 || heartbeat.pid > kMaxPid) {
    return absl::InvalidArgumentError(
        absl::StrCat("heartbeat.pid: ", heartbeat.pid, " is no process id (1 to ", kMaxPid, ")"));
  }
  MIG_ASSIGN_OR_RETURN(simdjson::dom::element start, Member(root, "starttime", "heartbeat"));
  MIG_ASSIGN_OR_RETURN(std::string start_text, json::AsString(start, "heartbeat.starttime"));
  absl::StatusOr<absl::Time> start_time = ParseRfc3339(start_text);
  if (!start_time.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("heartbeat.starttime: ", start_time.status().message()));
  }
  heartbeat.start_time = *start_time;
  if (simdjson::dom::element frequency; root["heartbeatfreq"].get(frequency) == simdjson::SUCCESS) {
    MIG_ASSIGN_OR_RETURN(heartbeat.frequency_seconds, AsInt(frequency, "heartbeat.heartbeatfreq"));
    if (heartbeat.frequency_seconds < 1 || heartbeat.frequency_seconds > kMaxHeartbeatSeconds) {
      return absl::InvalidArgumentError(absl::StrCat("heartbeat.heartbeatfreq: ", heartbeat.frequency_seconds,
                                                     " is not 1 to ", kMaxHeartbeatSeconds, " seconds"));
    }
  }
  for (auto [key, field] : {std::pair<std::string_view, std::string*>{"environment", &heartbeat.environment_json},
                            {"tags", &heartbeat.tags_json}}) {
    MIG_ASSIGN_OR_RETURN(simdjson::dom::element value, Member(root, key, "heartbeat"));
    MIG_RETURN_IF_ERROR(json::AsObject(value, json::ChildPath("heartbeat", key)).status());
    *field = simdjson::minify(value);
  }
  return heartbeat;
}

absl::StatusOr<Sender> SenderOf(std::string_view routing_key) {
  size_t dot = routing_key.rfind('.');
  if (dot == std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("routing key '", routing_key, "' is not <agent>.results|heartbeat"));
  }
  Sender sender;
  sender.agent = std::string(routing_key.substr(0, dot));
  std::string_view kind = routing_key.substr(dot + 1);
  if (kind == "results") {
    sender.kind = Sender::Kind::kResult;
  } else if (kind == "heartbeat") {
    sender.kind = Sender::Kind::kHeartbeat;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("routing key '", routing_key, "' is not <agent>.results|heartbeat"));
  }
  MIG_RETURN_IF_ERROR(CheckAgentName(sender.agent));
  return sender;
}

}  // namespace mig::protocol
