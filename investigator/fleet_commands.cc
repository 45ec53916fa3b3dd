#include "investigator/fleet_commands.h"

#include <iostream>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "base/display_text.h"
#include "base/json/reader.h"
#include "base/rfc3339.h"
#include "base/status_macros.h"
#include "investigator/csv.h"
#include "investigator/files.h"
#include "investigator/fleet.h"
#include "investigator/output_file.h"

namespace mig::investigator {
namespace {

struct ResultsFlags {
  int64_t id = 0;
  std::string show = "found";
  std::string render = "text";
  std::string input;
  bool no_follow = false;
  std::string output;
};

FleetRunOptions ToFleetOptions(const ResultsFlags& flags) {
  FleetRunOptions options;
  options.print.render = flags.render == "json" ? Render::kJson : Render::kText;
  options.print.show = flags.show == "all"        ? modules::Show::kAll
                       : flags.show == "notfound" ? modules::Show::kNotFound
                                                  : modules::Show::kFound;
  options.follow = !flags.no_follow;
  return options;
}

void AddPrintFlags(CLI::App* command, ResultsFlags* flags) {
  command->add_option("--show", flags->show, "found, notfound or all (all also shows failures and their reasons)")
      ->check(CLI::IsMember({"found", "notfound", "all"}))
      ->capture_default_str();
  command->add_option("--render", flags->render, "text (as MIG's client) or json (one line per agent)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  command->add_option("-o,--output", flags->output,
                      "write the results to this file (0600, replaced atomically once done) instead of standard "
                      "output");
}

absl::StatusOr<ApiClient> Connect() {
  absl::StatusOr<Migrc> rc = LoadMigrc();
  if (!rc.ok()) return rc.status();
  return ApiClient::Open(*rc);
}

int Fail(std::string_view command, const absl::Status& status) {
  std::cerr << "mig " << command << ": " << status.message() << "\n";
  return absl::IsInvalidArgument(status) || absl::IsFailedPrecondition(status) ? kExitUsage : kExitFailed;
}

std::string Shorten(std::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  return absl::StrCat(text.substr(0, max - 1), "…");
}

// The scheduler's answer to GET `path`, as sent (for --render json) and parsed; `what` names it in errors.
struct JsonAnswer {
  std::string body;
  std::unique_ptr<json::JsonDocument> document;
};
absl::StatusOr<JsonAnswer> GetJson(absl::StatusOr<ApiClient>& client, std::string_view path, std::string_view what) {
  if (!client.ok()) return client.status();
  JsonAnswer answer;
  MIG_ASSIGN_OR_RETURN(answer.body, client->Get(path));
  MIG_ASSIGN_OR_RETURN(answer.document, json::JsonDocument::Parse(answer.body, what));
  return answer;
}

// "2h", "30m", "3d" before now, or an RFC 3339 time.
absl::StatusOr<absl::Time> ParseSince(std::string_view text, absl::Time now) {
  if (absl::StatusOr<absl::Time> time = ParseRfc3339(text); time.ok()) return *time;
  absl::Duration ago;
  int64_t days = 0;
  if (absl::EndsWith(text, "d") && absl::SimpleAtoi(text.substr(0, text.size() - 1), &days) && days >= 0) {
    return now - absl::Hours(24 * days);
  }
  if (absl::ParseDuration(text, &ago) && ago >= absl::ZeroDuration()) return now - ago;
  return absl::InvalidArgumentError(
      absl::StrCat("--since '", text, "' is neither a duration (2h, 3d) nor an RFC 3339 time"));
}

void AddActionListCommand(CLI::App& action, int* exit_code) {
  struct ListFlags {
    bool mine = false, running = false;
    std::string name, since, render = "text";
    int64_t limit = 50;
  };
  auto flags = std::make_shared<ListFlags>();
  CLI::App* list = action.add_subcommand("list", "the actions launched on the fleet, newest first");
  list->add_flag("--mine", flags->mine, "only the actions I launched (whoever signs the request: my key)");
  list->add_flag("--running", flags->running, "only the actions not expired yet");
  list->add_option("--name", flags->name, "only the actions whose name holds this text (any case)");
  list->add_option("--since", flags->since,
                   "only the actions launched since: a duration ago (2h, 3d) or an RFC 3339 time");
  list->add_option("--limit", flags->limit, "at most this many")->check(CLI::Range(1, 1000))->capture_default_str();
  list->add_option("--render", flags->render, "text (a table), json (one line per action) or csv")
      ->check(CLI::IsMember({"text", "json", "csv"}))
      ->capture_default_str();
  list->footer("Example:\n  mig action list --mine --since 1d\n  mig action results ID --show all");
  list->callback([flags, exit_code] {
    std::string query = absl::StrCat("actions?limit=", flags->limit);
    if (flags->mine) absl::StrAppend(&query, "&mine=1");
    if (flags->running) absl::StrAppend(&query, "&running=1");
    if (!flags->name.empty()) absl::StrAppend(&query, "&name=", QueryEscape(flags->name));
    if (!flags->since.empty()) {
      absl::StatusOr<absl::Time> since = ParseSince(flags->since, absl::Now());
      if (!since.ok()) {
        *exit_code = Fail("action list", since.status());
        return;
      }
      absl::StrAppend(&query, "&since=", QueryEscape(FormatRfc3339(*since)));
    }
    absl::StatusOr<ApiClient> client = Connect();
    absl::StatusOr<JsonAnswer> answer = GetJson(client, query, "actions");
    simdjson::dom::array actions;
    if (answer.ok() && answer->document->root()["actions"].get(actions) != simdjson::SUCCESS) {
      answer = absl::DataLossError("the scheduler's answer has no \"actions\" array");
    }
    if (!answer.ok()) {
      *exit_code = Fail("action list", answer.status());
      return;
    }
    if (flags->render == "text") {
      std::cout << absl::StrFormat("%-17s %-19s %-10s %-8s %8s %8s %6s  %s\n", "ID", "CREATED (UTC)", "BY", "STATE",
                                   "TARGETED", "ANSWERED", "FOUND", "NAME");
    } else if (flags->render == "csv") {
      std::cout << CsvRow(
          {"id", "created", "investigator", "state", "targeted", "answered", "found", "name", "target", "expireafter"});
    }
    const std::string now = absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::Now(), absl::UTCTimeZone());
    size_t count = 0;
    for (simdjson::dom::element a : actions) {
      ++count;
      if (flags->render == "json") {
        std::cout << simdjson::minify(a) << "\n";
        continue;
      }
      auto raw = [&](std::string_view key) {
        std::string_view value;
        return a[key].get(value) == simdjson::SUCCESS ? std::string(value) : std::string();
      };
      auto text = [&](std::string_view key) { return EscapeForDisplay(raw(key)); };
      auto counter = [&](std::string_view key) {
        int64_t value = 0;
        if (a["counters"][key].get(value) != simdjson::SUCCESS) value = 0;
        return value;
      };
      int64_t id = 0;
      if (a["id"].get(id) != simdjson::SUCCESS) id = 0;
      std::string state = raw("expireafter") > now ? "running" : "expired";
      if (flags->render == "csv") {
        std::cout << CsvRow({absl::StrCat(id), raw("created"), raw("investigator"), state,
                             absl::StrCat(counter("targeted")), absl::StrCat(counter("answered")),
                             absl::StrCat(counter("found")), raw("name"), raw("target"), raw("expireafter")});
        continue;
      }
      std::cout << absl::StrFormat("%-17d %-19s %-10s %-8s %8d %8d %6d  %s\n", id, text("created"),
                                   Shorten(text("investigator"), 10), state, counter("targeted"), counter("answered"),
                                   counter("found"), text("name"));
    }
    std::cout.flush();
    std::cerr << count << " action" << (count == 1 ? "" : "s") << "\n";
    *exit_code = count > 0 ? 0 : 1;
  });
}

}  // namespace

void AddActionFleetCommands(CLI::App& action, int* exit_code) {
  AddActionListCommand(action, exit_code);
  auto launch_flags = std::make_shared<ResultsFlags>();
  CLI::App* launch = action.add_subcommand("launch", "send a signed action file to the fleet and follow it");
  launch->footer(
      "The action goes out as it is: sign it first (`mig action sign`, as many investigators as its ACL wants).\n"
      "Example:\n  mig action launch -i a.json --show all");
  launch->add_option("-i,--input", launch_flags->input, "the signed action file; - reads standard input")->required();
  launch->add_flag("--no-follow", launch_flags->no_follow, "print the action's id and return at once");
  AddPrintFlags(launch, launch_flags.get());
  launch->callback([launch_flags, exit_code] {
    absl::StatusOr<std::string> text = ReadInputFile(launch_flags->input);
    if (!text.ok()) {
      *exit_code = Fail("action launch", text.status());
      return;
    }
    absl::StatusOr<action::Action> a = action::ParseAction(*text);
    if (!a.ok()) {
      *exit_code = Fail("action launch", a.status());
      return;
    }
    if (a->signatures.empty()) {
      *exit_code =
          Fail("action launch",
               absl::InvalidArgumentError("the action is not signed: `mig action sign -i FILE --key KEY` first"));
      return;
    }
    absl::StatusOr<ApiClient> client = Connect();
    if (!client.ok()) {
      *exit_code = Fail("action launch", client.status());
      return;
    }
    OutputFile output(launch_flags->output);
    *exit_code = LaunchAndFollow(*client, *a, /*add_signature=*/false, ToFleetOptions(*launch_flags), output.stream(),
                                 std::cerr);
    *exit_code = output.Close("action launch", *exit_code);
  });

  auto status_flags = std::make_shared<ResultsFlags>();
  CLI::App* status = action.add_subcommand("status", "how far an action launched on the fleet has got");
  status->add_option("id", status_flags->id, "the action's id (as launching printed it)")->required();
  status->add_option("--render", status_flags->render, "text or json (the scheduler's answer: counters, the action)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  status->callback([status_flags, exit_code] {
    absl::StatusOr<ApiClient> client = Connect();
    absl::StatusOr<JsonAnswer> answer = GetJson(client, absl::StrCat("actions/", status_flags->id), "action status");
    if (!answer.ok()) {
      *exit_code = Fail("action status", answer.status());
      return;
    }
    if (status_flags->render == "json") {
      std::cout << answer->body << "\n";
      *exit_code = 0;
      return;
    }
    simdjson::dom::element root = answer->document->root();
    auto text = [&](std::string_view key) {
      std::string_view value;
      return root[key].get(value) == simdjson::SUCCESS ? std::string(value) : std::string();
    };
    auto count = [&](std::string_view key) {
      int64_t value = 0;
      if (root["counters"][key].get(value) != simdjson::SUCCESS) value = 0;
      return value;
    };
    // The same counts as the summary of `mig action results` (scheduler/store.h ActionCounters):
    // targeted = answered + waiting + no answer.
    std::cout << "action " << status_flags->id << " \"" << EscapeForDisplay(text("name")) << "\"\n"
              << "  target      " << EscapeForDisplay(text("target")) << "\n"
              << "  valid       " << text("validfrom") << " to " << text("expireafter") << " UTC\n"
              << "  targeted    " << count("targeted") << "\n"
              << "  answered    " << count("answered") << " (" << count("found") << " found something)\n"
              << "  success     " << count("success") << "\n"
              << "  failed      " << count("failed") << "\n"
              << "  timed out   " << count("timeout") << "\n"
              << "  refused     " << count("refused") << "\n"
              << "  expired     " << count("expired") << " (the agent received it after the action expired)\n"
              << "  waiting     " << count("pending") << " (" << count("pendingnotonline")
              << " of them idle or offline)\n"
              << "  no answer   " << count("unanswered") << " (none came before the action expired)\n";
    if (count("pending") + count("unanswered") > 0) {
      std::cout << "`mig action results " << status_flags->id << " --show all` names the agents that did not answer\n";
    }
    *exit_code = 0;
  });

  auto results_flags = std::make_shared<ResultsFlags>();
  CLI::App* results = action.add_subcommand("results", "print what the agents answered to an action");
  results->add_option("id", results_flags->id, "the action's id")->required();
  auto follow = std::make_shared<bool>(false);
  results->add_flag("--follow", *follow, "wait until every agent answered or the action expired");
  AddPrintFlags(results, results_flags.get());
  results->callback([results_flags, follow, exit_code] {
    results_flags->no_follow = !*follow;
    absl::StatusOr<ApiClient> client = Connect();
    if (!client.ok()) {
      *exit_code = Fail("action results", client.status());
      return;
    }
    FleetRunOptions options = ToFleetOptions(*results_flags);
    OutputFile output(results_flags->output);
    *exit_code = FollowAndPrint(*client, results_flags->id, options, output.stream(), std::cerr);
    *exit_code = output.Close("action results", *exit_code);
  });
}

void AddAgentListCommand(CLI::App& agent, int* exit_code) {
  struct ListFlags {
    std::string target = "status='online'";
    int64_t limit = 1000;
    std::string render = "text";
  };
  auto flags = std::make_shared<ListFlags>();
  CLI::App* list = agent.add_subcommand("list", "the agents the scheduler knows (investigator side, via ~/.migrc)");
  list->add_option("-t,--target", flags->target, "which agents: a target condition or a ~/.migrc macro")
      ->capture_default_str();
  list->add_option("--limit", flags->limit, "at most this many")->capture_default_str();
  list->add_option("--render", flags->render, "text (a table), json (the API's answer) or csv")
      ->check(CLI::IsMember({"text", "json", "csv"}))
      ->capture_default_str();
  list->add_flag_callback(
      "--json", [flags] { flags->render = "json"; }, "the same as --render json");
  list->footer("Example:\n  mig agent list -t \"environment->>'os'='linux' AND tags->>'env'='prod'\"");
  list->callback([flags, exit_code] {
    absl::StatusOr<Migrc> rc = LoadMigrc();
    absl::StatusOr<ApiClient> client = rc.ok() ? ApiClient::Open(*rc) : absl::StatusOr<ApiClient>(rc.status());
    if (!client.ok()) {
      *exit_code = Fail("agent list", client.status());
      return;
    }
    std::string target = ExpandTarget(*rc, flags->target);
    absl::StatusOr<JsonAnswer> answer =
        GetJson(client, absl::StrCat("agents?limit=", flags->limit, "&target=", QueryEscape(target)), "agents");
    if (!answer.ok()) {
      *exit_code = Fail("agent list", answer.status());
      return;
    }
    if (flags->render == "json") {
      std::cout << answer->body << "\n";
      *exit_code = 0;
      return;
    }
    simdjson::dom::element root = answer->document->root();
    int64_t matched = 0;
    if (root["matched"].get(matched) != simdjson::SUCCESS) matched = 0;
    simdjson::dom::array agents;
    if (root["agents"].get(agents) == simdjson::SUCCESS) {
      const bool csv = flags->render == "csv";
      if (csv) {
        std::cout << CsvRow({"name", "status", "mode", "version", "heartbeattime", "os", "starttime"});
      } else {
        std::cout << absl::StrFormat("%-24s %-8s %-8s %-12s %-20s %s\n", "NAME", "STATUS", "MODE", "VERSION",
                                     "LAST HEARTBEAT (UTC)", "OS");
      }
      for (simdjson::dom::element a : agents) {
        auto raw = [&](simdjson::dom::element e, std::string_view key) {
          std::string_view value;
          return e[key].get(value) == simdjson::SUCCESS ? std::string(value) : std::string();
        };
        simdjson::dom::element environment;
        std::string os = a["environment"].get(environment) == simdjson::SUCCESS ? raw(environment, "ident") : "";
        if (csv) {
          std::cout << CsvRow({raw(a, "name"), raw(a, "status"), raw(a, "mode"), raw(a, "version"),
                               raw(a, "heartbeattime"), os, raw(a, "starttime")});
          continue;
        }
        // Everything here is the agents' word: shown escaped.
        auto text = [&](std::string_view key) { return EscapeForDisplay(raw(a, key)); };
        std::cout << absl::StrFormat("%-24s %-8s %-8s %-12s %-20s %s\n", Shorten(text("name"), 24), text("status"),
                                     text("mode"), Shorten(text("version"), 12), text("heartbeattime"),
                                     EscapeForDisplay(os));
      }
    }
    std::cout.flush();
    std::cerr << matched << " agent" << (matched == 1 ? "" : "s") << " match " << target << "\n";
    *exit_code = matched > 0 ? 0 : 1;
  });
}

}  // namespace mig::investigator
