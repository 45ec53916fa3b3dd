#include "investigator/fleet.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <functional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/display_text.h"
#include "base/files.h"
#include "base/http/client.h"
#include "base/json/reader.h"
#include "base/json/writer.h"
#include "base/status_macros.h"
#include "base/url.h"
#include "embedded_conf/config.h"
#include "embedded_conf/ini.h"
#include "investigator/passphrase.h"
#include "modules/module.h"
#include "protocol/api/token.h"

namespace mig::investigator {
namespace {

constexpr int64_t kResultsPage = 500;

std::atomic<bool> interrupted{false};
void OnInterrupt(int) { interrupted.store(true); }

// Ctrl-C while following an action stops following (the action goes on) and prints what came.
class FollowInterrupts {
 public:
  FollowInterrupts() {
    interrupted.store(false);
    struct sigaction action {};
    action.sa_handler = OnInterrupt;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous_);
  }
  ~FollowInterrupts() { sigaction(SIGINT, &previous_, nullptr); }

 private:
  struct sigaction previous_ {};
};

std::string HomeRelative(std::string_view path) {
  if (absl::StartsWith(path, "~/")) {
    const char* home = std::getenv("HOME");
    return absl::StrCat(home != nullptr ? home : "", path.substr(1));
  }
  return std::string(path);
}

absl::StatusOr<simdjson::dom::element> Member(simdjson::dom::element object, std::string_view key,
                                              std::string_view what) {
  simdjson::dom::element value;
  if (!object.is_object() || object[key].get(value) != simdjson::SUCCESS) {
    return absl::DataLossError(absl::StrCat("the scheduler's answer (", what, ") has no \"", key, "\""));
  }
  return value;
}

int64_t IntOr(simdjson::dom::element object, std::string_view key, int64_t fallback) {
  int64_t value = fallback;
  if (!object.is_object() || object[key].get(value) != simdjson::SUCCESS) return fallback;
  return value;
}

// The scheduler's counters of an action (scheduler/store.h ActionCounters).
struct Counters {
  int64_t targeted = 0, answered = 0, pending = 0, pending_not_online = 0, unanswered = 0, found = 0;
};

absl::StatusOr<Counters> ParseCounters(simdjson::dom::element action) {
  MIG_ASSIGN_OR_RETURN(simdjson::dom::element c, Member(action, "counters", "action status"));
  return Counters{.targeted = IntOr(c, "targeted", 0),
                  .answered = IntOr(c, "answered", 0),
                  .pending = IntOr(c, "pending", 0),
                  .pending_not_online = IntOr(c, "pendingnotonline", 0),
                  .unanswered = IntOr(c, "unanswered", 0),
                  .found = IntOr(c, "found", 0)};
}

std::string ProgressText(int64_t id, const Counters& c, absl::Duration elapsed) {
  return absl::StrCat("action ", id, ": ", c.answered, "/", c.targeted, " agents answered, ", c.found,
                      " found something, ", absl::FormatDuration(absl::Trunc(elapsed, absl::Milliseconds(100))));
}

// What one targeted agent did with the action, as its line of the results says.
struct AgentOutcome {
  std::string agent;
  std::string status;  // success, failed, refused, timeout, expired; pending or unanswered: no answer
  std::string reason;
  bool answered = false;
  bool found = false;
  bool incomplete = false;     // an operation's answer says it may miss something
  std::string agent_status;    // online, idle, offline
  std::string heartbeat_time;  // its last heartbeat, UTC
};

// "offline, last heartbeat 2026-12-08 00:20:11 UTC": why an agent that did not answer may not have.
std::string Whereabouts(const AgentOutcome& o) {
  return absl::StrCat(o.agent_status.empty() ? "unknown" : EscapeForDisplay(o.agent_status), ", last heartbeat ",
                      o.heartbeat_time.empty() ? "never" : absl::StrCat(EscapeForDisplay(o.heartbeat_time), " UTC"));
}

// Prints one agent's line of the results: each operation's text, every line prefixed with the agent's name
// (MIG's client does so), or one JSON line per agent.
absl::Status PrintAgentResult(const action::Action& action, simdjson::dom::element entry,
                              const LocalRunOptions& options, std::ostream& out, AgentOutcome* outcome) {
  MIG_ASSIGN_OR_RETURN(simdjson::dom::element agent, Member(entry, "agent", "result"));
  MIG_ASSIGN_OR_RETURN(simdjson::dom::element status, Member(entry, "status", "result"));
  MIG_ASSIGN_OR_RETURN(simdjson::dom::element result, Member(entry, "result", "result"));
  if (!agent.is_string() || !status.is_string()) {
    return absl::DataLossError("the scheduler's result has an agent or status that is not a string");
  }
  outcome->agent = std::string(agent.get_string().value_unsafe());
  outcome->status = std::string(status.get_string().value_unsafe());
  // A scheduler older than "answered" lists answered agents only.
  outcome->answered = true;
  if (bool answered; entry["answered"].get(answered) == simdjson::SUCCESS) outcome->answered = answered;
  bool found = false;
  if (entry["found"].get(found) == simdjson::SUCCESS) outcome->found = found;
  for (auto [key, field] : {std::pair<std::string_view, std::string*>{"agentstatus", &outcome->agent_status},
                            {"heartbeattime", &outcome->heartbeat_time}}) {
    if (std::string_view value; entry[key].get(value) == simdjson::SUCCESS) *field = std::string(value);
  }
  std::string_view reason;
  if (result.is_object() && result["reason"].get(reason) == simdjson::SUCCESS) outcome->reason = std::string(reason);
  // Each operation's result, in the action's order (none when the agent did not answer).
  simdjson::dom::array operations;
  const bool has_operations = result.is_object() && result["results"].get(operations) == simdjson::SUCCESS;
  if (has_operations) {
    for (simdjson::dom::element operation : operations) {
      std::string_view incomplete;
      outcome->incomplete |= operation["incomplete"].get(incomplete) == simdjson::SUCCESS && !incomplete.empty();
    }
  }
  bool wanted = options.show == modules::Show::kAll || (options.show == modules::Show::kFound && outcome->found) ||
                (options.show == modules::Show::kNotFound && outcome->answered && !outcome->found);
  if (!wanted) return absl::OkStatus();
  if (options.render == Render::kJson) {
    json::JsonWriter w;
    w.BeginObject();
    w.Field("agent", outcome->agent);
    w.Field("status", outcome->status);
    w.Field("answered", outcome->answered);
    if (!outcome->reason.empty()) w.Field("reason", outcome->reason);
    if (!outcome->agent_status.empty()) w.Field("agentstatus", outcome->agent_status);
    if (!outcome->heartbeat_time.empty()) w.Field("heartbeattime", outcome->heartbeat_time);
    w.Field("foundanything", outcome->found);
    // Each operation's result without MIG's placeholder entries (Module::CompactResult).
    w.Key("results");
    w.BeginArray();
    if (has_operations) {
      size_t index = 0;
      for (simdjson::dom::element operation : operations) {
        const modules::Module* module =
            index < action.operations.size() ? modules::FindModule(action.operations[index].module) : nullptr;
        ++index;
        std::string text = simdjson::minify(operation);
        w.Raw(module != nullptr ? module->CompactResult(text) : text);
      }
    }
    w.EndArray();
    w.EndObject();
    out << std::move(w).Take() << "\n";
    return absl::OkStatus();
  }
  // An agent's name and reason come from the fleet: shown escaped, like everything a host says.
  const std::string agent_shown = EscapeForDisplay(outcome->agent);
  if (!outcome->answered) {
    out << agent_shown << (outcome->status == "pending" ? " has not answered yet (" : " did not answer (")
        << Whereabouts(*outcome) << ")\n";
    return absl::OkStatus();
  }
  if (outcome->status != "success") {
    if (options.show == modules::Show::kAll) {
      out << agent_shown << " " << EscapeForDisplay(outcome->status) << ": " << EscapeForDisplay(outcome->reason)
          << "\n";
    }
    return absl::OkStatus();
  }
  if (!has_operations) return absl::OkStatus();
  size_t index = 0;
  for (simdjson::dom::element operation : operations) {
    if (index >= action.operations.size()) break;
    const modules::Module* module = modules::FindModule(action.operations[index++].module);
    if (module == nullptr) continue;
    absl::StatusOr<std::string> text = module->Render(simdjson::minify(operation), {options.show});
    if (!text.ok()) {
      out << agent_shown << " cannot render the result: " << EscapeForDisplay(text.status().message()) << "\n";
      continue;
    }
    for (std::string_view line : absl::StrSplit(*text, '\n', absl::SkipEmpty())) {
      out << agent_shown << " " << line << "\n";
    }
  }
  return absl::OkStatus();
}

// The agents named in a summary line; an agent that did not answer with where it was last seen.
constexpr size_t kNamesInSummary = 20;

std::string Names(const std::vector<const AgentOutcome*>& outcomes) {
  std::vector<std::string> names;
  for (size_t i = 0; i < outcomes.size() && i < kNamesInSummary; ++i) {
    const AgentOutcome& o = *outcomes[i];
    std::string agent = EscapeForDisplay(o.agent);
    if (!o.answered) {
      names.push_back(absl::StrCat(agent, " (", Whereabouts(o), ")"));
    } else if (!o.reason.empty()) {
      names.push_back(absl::StrCat(agent, " (", EscapeForDisplay(o.reason), ")"));
    } else {
      names.push_back(agent);
    }
  }
  if (outcomes.size() > kNamesInSummary) {
    names.push_back(absl::StrCat("and ", outcomes.size() - kNamesInSummary, " more (--show all lists them)"));
  }
  return absl::StrJoin(names, ", ");
}

// Every line of action `id`'s results that `filter` (all, found, notfound, unanswered) selects, a page at a time.
absl::Status ForEachResult(ApiClient& client, int64_t id, std::string_view filter,
                           const std::function<void(simdjson::dom::element entry)>& each) {
  for (int64_t offset = 0;;) {
    MIG_ASSIGN_OR_RETURN(std::string page, client.Get(absl::StrCat("actions/", id, "/results?filter=", filter,
                                                                   "&offset=", offset, "&limit=", kResultsPage)));
    MIG_ASSIGN_OR_RETURN(std::unique_ptr<json::JsonDocument> document, json::JsonDocument::Parse(page, "results"));
    simdjson::dom::array results;
    if (document->root()["results"].get(results) != simdjson::SUCCESS) {
      return absl::DataLossError("the scheduler's results have no \"results\" array");
    }
    for (simdjson::dom::element entry : results) each(entry);
    int64_t next = -1;
    if (document->root()["next"].get(next) != simdjson::SUCCESS || next <= offset) return absl::OkStatus();
    offset = next;
  }
}

// Every targeted agent's line, printed as they page in; then the summary on `err`, counted from those same
// lines, so that it agrees with them and with `mig action status`.
int PrintResults(ApiClient& client, int64_t id, const action::Action& action, const LocalRunOptions& options,
                 std::ostream& out, std::ostream& err) {
  std::vector<AgentOutcome> outcomes;
  absl::Status paged = ForEachResult(client, id, "all", [&](simdjson::dom::element entry) {
    AgentOutcome outcome;
    if (absl::Status printed = PrintAgentResult(action, entry, options, out, &outcome); !printed.ok()) {
      err << "mig: " << printed.message() << "\n";
      return;
    }
    outcomes.push_back(std::move(outcome));
  });
  if (!paged.ok()) {
    err << "mig: results of action " << id << ": " << paged.message() << "\n";
    return kExitFailed;
  }
  out.flush();
  std::vector<const AgentOutcome*> found, failed, timed_out, refused, expired, incomplete, pending, unanswered;
  size_t answered = 0;
  for (const AgentOutcome& o : outcomes) {
    if (o.found) found.push_back(&o);
    if (o.incomplete) incomplete.push_back(&o);
    if (o.answered) ++answered;
    if (o.status == "failed") failed.push_back(&o);
    if (o.status == "timeout") timed_out.push_back(&o);
    if (o.status == "refused") refused.push_back(&o);
    if (o.status == "expired") expired.push_back(&o);
    if (!o.answered && o.status == "pending") pending.push_back(&o);
    if (!o.answered && o.status != "pending") unanswered.push_back(&o);
  }
  err << "action " << id << ": " << outcomes.size() << " agents targeted, " << answered << " answered, " << found.size()
      << " found something";
  if (!failed.empty()) err << "; " << failed.size() << " failed: " << Names(failed);
  if (!timed_out.empty()) err << "; " << timed_out.size() << " timed out: " << Names(timed_out);
  if (!refused.empty()) err << "; " << refused.size() << " refused: " << Names(refused);
  if (!expired.empty()) err << "; " << expired.size() << " received it too late to run it: " << Names(expired);
  if (!incomplete.empty()) err << "; " << incomplete.size() << " answered INCOMPLETE: " << Names(incomplete);
  if (!unanswered.empty()) {
    err << "; " << unanswered.size() << " did not answer before the action expired: " << Names(unanswered);
  }
  if (!pending.empty()) {
    err << "; " << pending.size() << " ha" << (pending.size() == 1 ? "s" : "ve")
        << " not answered yet: " << Names(pending) << " (the action waits for them until "
        << action::FormatActionTime(action.expire_after) << ": `mig action results " << id << "` later)";
  }
  err << "\n";
  // Who this answer does not cover: agents that did not answer, did not run the action to the end, or
  // searched only part of their host.
  size_t silent = outcomes.size() - answered;
  size_t not_run = failed.size() + timed_out.size() + refused.size() + expired.size();
  if (silent + not_run + incomplete.size() > 0) {
    std::vector<std::string> why;
    if (silent > 0) why.push_back(absl::StrCat(silent, " did not answer"));
    if (not_run > 0) why.push_back(absl::StrCat(not_run, " did not run it to the end"));
    if (!incomplete.empty()) why.push_back(absl::StrCat(incomplete.size(), " searched only part of the host"));
    err << "INCOMPLETE: " << silent + not_run + incomplete.size() << " of " << outcomes.size()
        << " agents not fully covered (" << absl::StrJoin(why, ", ") << ")"
        << (found.empty() ? ": nothing found is not proof of absence" : "") << "\n";
  }
  if (!failed.empty() || !timed_out.empty() || !refused.empty()) return found.empty() ? kExitFailed : kExitFound;
  if (!found.empty()) return kExitFound;
  return silent + expired.size() + incomplete.size() == 0 ? kExitNothingFound : kExitIncomplete;
}

}  // namespace

absl::StatusOr<Migrc> ParseMigrc(std::string_view text, std::string path) {
  MIG_ASSIGN_OR_RETURN(conf::IniFile ini, conf::ParseIni(text, path));
  Migrc rc;
  rc.path = std::move(path);
  std::string ca_file;
  for (const conf::IniEntry& e : ini.entries) {
    std::string where = absl::StrCat(rc.path, ":", e.line);
    if (e.section == "api" && e.key == "url") {
      if (absl::StatusOr<Url> url = ParseUrl(e.value, {"http", "https"}); !url.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": api url: ", url.status().message()));
      }
      rc.api_url = e.value;
      if (!absl::EndsWith(rc.api_url, "/")) rc.api_url += "/";
    } else if (e.section == "api" && e.key == "ca") {
      ca_file = HomeRelative(e.value);
    } else if (e.section == "key" && e.key == "file") {
      rc.key_file = HomeRelative(e.value);
    } else if (e.section == "targets" && e.key == "macro") {
      size_t colon = e.value.find(':');
      if (colon == std::string::npos || colon == 0) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": a target macro is name:condition"));
      }
      rc.target_macros[e.value.substr(0, colon)] = e.value.substr(colon + 1);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(where, ": unknown setting [", e.section, "] ", e.key,
                                                     " (known: [api] url, ca; [key] file; [targets] macro)"));
    }
  }
  if (rc.api_url.empty()) return absl::InvalidArgumentError(absl::StrCat(rc.path, ": no [api] url"));
  if (rc.key_file.empty()) return absl::InvalidArgumentError(absl::StrCat(rc.path, ": no [key] file"));
  if (!ca_file.empty()) {
    MIG_ASSIGN_OR_RETURN(rc.ca_pem, conf::ReadConfigFile(ca_file));
  } else if (absl::StartsWith(rc.api_url, "https://")) {
    return absl::InvalidArgumentError(absl::StrCat(rc.path, ": an https API needs [api] ca (the CA's PEM file)"));
  }
  return rc;
}

absl::StatusOr<Migrc> LoadMigrc() {
  const char* env = std::getenv("MIGRC");
  std::string path = env != nullptr && *env != '\0' ? env : HomeRelative("~/.migrc");
  absl::StatusOr<std::string> text = conf::ReadConfigFile(path);
  if (absl::IsPermissionDenied(text.status()) || absl::IsFailedPrecondition(text.status())) return text.status();
  if (!text.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read ", path, " (", text.status().message(),
                     "): to talk to a fleet, write it:\n  [api]\n      url = http://127.0.0.1:8393/api/v1/\n  [key]\n"
                     "      file = ~/.mig/you.key\nor run on this host only with --local"));
  }
  return ParseMigrc(*text, path);
}

std::string QueryEscape(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string ExpandTarget(const Migrc& rc, const std::string& target) {
  auto it = rc.target_macros.find(target);
  return it == rc.target_macros.end() ? target : it->second;
}

absl::StatusOr<ApiClient> ApiClient::Open(const Migrc& rc) {
  MIG_ASSIGN_OR_RETURN(crypto::SecretKeyFile key, ReadSigningKey(rc.key_file));
  return ApiClient(rc, std::move(key));
}

absl::StatusOr<std::string> ApiClient::Get(std::string_view path) { return Call("GET", path, ""); }
absl::StatusOr<std::string> ApiClient::Post(std::string_view path, std::string body) {
  return Call("POST", path, std::move(body));
}

absl::StatusOr<std::string> ApiClient::Call(std::string_view method, std::string_view path, std::string body) {
  std::string url = absl::StrCat(rc_.api_url, path);
  // What is signed is the path and query as the server sees them.
  std::string_view after_scheme = url;
  after_scheme.remove_prefix(url.find("://") + 3);
  size_t slash = after_scheme.find('/');
  std::string target(slash == std::string_view::npos ? "/" : after_scheme.substr(slash));
  http::Request request{.method = std::string(method), .target = target, .body = std::move(body)};
  request.headers.push_back(
      {"authorization", api::SignRequest(key_.key, {request.method, target, request.body}, absl::Now())});
  if (request.method == "POST") request.headers.push_back({"content-type", "application/json"});
  MIG_ASSIGN_OR_RETURN(http::Response response,
                       http::Fetch(url, request, {.timeout = absl::Seconds(60), .ca_pem = rc_.ca_pem}));
  if (response.status >= 200 && response.status < 300) return std::move(response.body);
  std::string message = response.body;
  if (absl::StatusOr<std::unique_ptr<json::JsonDocument>> document = json::JsonDocument::Parse(response.body, "error");
      document.ok()) {
    std::string_view error;
    if ((*document)->root()["error"].get(error) == simdjson::SUCCESS) message = std::string(error);
  }
  message = absl::StrCat(method, " ", url, ": ", response.status, " ", message);
  if (response.status == 401) return absl::UnauthenticatedError(message);
  if (response.status == 404) return absl::NotFoundError(message);
  if (response.status >= 400 && response.status < 500) return absl::InvalidArgumentError(message);
  return absl::UnavailableError(message);
}

int FollowAndPrint(ApiClient& client, int64_t id, const FleetRunOptions& options, std::ostream& out,
                   std::ostream& err) {
  bool tty = options.progress && isatty(STDERR_FILENO);
  absl::Time start = absl::Now();
  FollowInterrupts interrupts;
  Counters counters;
  action::Action action;
  absl::Time expire_after = absl::InfiniteFuture();
  bool only_silent_agents_left = false;
  while (true) {
    absl::StatusOr<std::string> status = client.Get(absl::StrCat("actions/", id));
    if (!status.ok()) {
      err << (tty ? "\n" : "") << "mig: action " << id << ": " << status.status().message() << "\n";
      return kExitFailed;
    }
    absl::StatusOr<std::unique_ptr<json::JsonDocument>> document = json::JsonDocument::Parse(*status, "action status");
    absl::StatusOr<Counters> parsed =
        document.ok() ? ParseCounters((*document)->root()) : absl::StatusOr<Counters>(document.status());
    if (!parsed.ok()) {
      err << "mig: action " << id << ": " << parsed.status().message() << "\n";
      return kExitFailed;
    }
    counters = *parsed;
    if (action.operations.empty()) {
      simdjson::dom::element action_element;
      if ((*document)->root()["action"].get(action_element) == simdjson::SUCCESS) {
        if (absl::StatusOr<action::Action> a = action::ParseAction(simdjson::minify(action_element)); a.ok()) {
          action = *std::move(a);
          expire_after = action.expire_after;
        }
      }
    }
    if (tty) err << "\r\033[K" << ProgressText(id, counters, absl::Now() - start) << std::flush;
    if (!options.follow || counters.pending == 0 || interrupted.load()) break;
    // The agents still to answer have all missed heartbeats: waiting for them would wait for the expiry.
    if (counters.pending == counters.pending_not_online) {
      only_silent_agents_left = true;
      break;
    }
    // The scheduler expires unanswered commands within a second of the action's expiry.
    if (absl::Now() > expire_after + absl::Seconds(10)) break;
    absl::Time until = absl::Now() + options.poll;
    while (absl::Now() < until && !interrupted.load()) absl::SleepFor(absl::Milliseconds(20));
  }
  if (tty) err << "\n";
  if (only_silent_agents_left) {
    err << "mig: stopped waiting: the " << counters.pending << " agent" << (counters.pending == 1 ? "" : "s")
        << " still to answer " << (counters.pending == 1 ? "is" : "are") << " idle or offline (missed heartbeats)\n";
  }
  if (interrupted.load()) {
    err << "mig: stopped following action " << id << " (it goes on: `mig action results " << id
        << "` shows what comes later)\n";
  }
  return PrintResults(client, id, action, options.print, out, err);
}

int LaunchAndFollow(ApiClient& client, action::Action action, bool add_signature, const FleetRunOptions& options,
                    std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::string> selected = client.Get(absl::StrCat("agents?limit=0&target=", QueryEscape(action.target)));
  if (!selected.ok()) {
    err << "mig: " << selected.status().message() << "\n";
    return absl::IsInvalidArgument(selected.status()) ? kExitUsage : kExitFailed;
  }
  int64_t matched = 0;
  if (auto document = json::JsonDocument::Parse(*selected, "agents"); document.ok()) {
    matched = IntOr((*document)->root(), "matched", 0);
  }
  err << matched << " agent" << (matched == 1 ? "" : "s") << " targeted by " << action.target << "\n";
  if (matched == 0) return kExitNothingFound;
  if (add_signature) {
    absl::StatusOr<action::Signature> signature = action::SignAction(action, client.key().key);
    if (!signature.ok()) {
      err << "mig: signing: " << signature.status().message() << "\n";
      return kExitFailed;
    }
    action.signatures.push_back(*signature);
  }
  absl::StatusOr<std::string> created = client.Post("actions", action::ActionToJson(action));
  if (!created.ok()) {
    err << "mig: launching: " << created.status().message() << "\n";
    return absl::IsInvalidArgument(created.status()) ? kExitUsage : kExitFailed;
  }
  absl::StatusOr<std::unique_ptr<json::JsonDocument>> document = json::JsonDocument::Parse(*created, "launch");
  int64_t id = document.ok() ? IntOr((*document)->root(), "id", 0) : 0;
  if (id <= 0) {
    err << "mig: the scheduler's answer to the launch has no action id: " << *created << "\n";
    return kExitFailed;
  }
  err << "action " << id << " launched on " << IntOr((*document)->root(), "targeted", 0) << " agent(s), expires "
      << action::FormatActionTime(action.expire_after) << "\n";
  if (!options.follow) {
    out << id << "\n";
    return kExitFound;
  }
  return FollowAndPrint(client, id, options, out, err);
}

absl::StatusOr<std::vector<std::string>> AgentsOfAction(ApiClient& client, int64_t id, bool found) {
  std::vector<std::string> agents;
  MIG_RETURN_IF_ERROR(ForEachResult(client, id, found ? "found" : "notfound", [&](simdjson::dom::element entry) {
    std::string_view agent, status;
    if (entry["agent"].get(agent) != simdjson::SUCCESS) return;
    // -target-notfound means agents that ran the action and found nothing, not those that failed.
    if (!found && (entry["status"].get(status) != simdjson::SUCCESS || status != "success")) return;
    agents.emplace_back(agent);
  }));
  return agents;
}

std::string TargetForAgents(const std::string& base, const std::vector<std::string>& agents) {
  std::vector<std::string> quoted;
  quoted.reserve(agents.size());
  for (const std::string& agent : agents) {
    // Agent names are [a-z0-9.-] (protocol::CheckAgentName); doubling quotes keeps any other text inert.
    std::string escaped;
    for (char c : agent) {
      escaped.push_back(c);
      if (c == '\'') escaped.push_back('\'');
    }
    quoted.push_back(absl::StrCat("'", escaped, "'"));
  }
  std::string in = absl::StrCat("name IN (", absl::StrJoin(quoted, ","), ")");
  if (base.empty()) return in;
  return absl::StrCat("(", base, ") AND ", in);
}

}  // namespace mig::investigator
