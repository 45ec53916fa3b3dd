#include "investigator/fleet_commands.h"

#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/display_text.h"
#include "investigator/files.h"
#include "investigator/fleet.h"
#include "json/reader.h"

namespace mig::investigator {
namespace {

struct ResultsFlags {
  int64_t id = 0;
  std::string show = "found";
  std::string render = "text";
  std::string input;
  bool no_follow = false;
};

FleetRunOptions ToFleetOptions(const ResultsFlags& flags) {
  FleetRunOptions options;
  options.print.render = flags.render == "json" ? Render::kJson : Render::kText;
  options.print.show = flags.show == "all" ? modules::Show::kAll
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

}  // namespace

void AddActionFleetCommands(CLI::App& action, int* exit_code) {
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
      *exit_code = Fail("action launch", absl::InvalidArgumentError(
                                             "the action is not signed: `mig action sign -i FILE --key KEY` first"));
      return;
    }
    absl::StatusOr<ApiClient> client = Connect();
    if (!client.ok()) {
      *exit_code = Fail("action launch", client.status());
      return;
    }
    *exit_code = LaunchAndFollow(*client, *a, /*add_signature=*/false, ToFleetOptions(*launch_flags), std::cout,
                                 std::cerr);
  });

  auto status_flags = std::make_shared<ResultsFlags>();
  CLI::App* status = action.add_subcommand("status", "how far an action launched on the fleet has got");
  status->add_option("id", status_flags->id, "the action's id (as launching printed it)")->required();
  status->callback([status_flags, exit_code] {
    absl::StatusOr<ApiClient> client = Connect();
    absl::StatusOr<std::string> body =
        client.ok() ? client->Get(absl::StrCat("actions/", status_flags->id)) : absl::StatusOr<std::string>(client.status());
    absl::StatusOr<std::unique_ptr<json::JsonDocument>> document =
        body.ok() ? json::JsonDocument::Parse(*body, "action status")
                  : absl::StatusOr<std::unique_ptr<json::JsonDocument>>(body.status());
    if (!document.ok()) {
      *exit_code = Fail("action status", document.status());
      return;
    }
    simdjson::dom::element root = (*document)->root();
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
    *exit_code = FollowAndPrint(*client, results_flags->id, options, std::cout, std::cerr);
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
  list->add_option("--render", flags->render, "text (a table) or json (the API's answer)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  list->add_flag_callback("--json", [flags] { flags->render = "json"; }, "the same as --render json");
  list->footer("Example:\n  mig agent list -t \"environment->>'os'='linux' AND tags->>'env'='prod'\"");
  list->callback([flags, exit_code] {
    absl::StatusOr<Migrc> rc = LoadMigrc();
    absl::StatusOr<ApiClient> client = rc.ok() ? ApiClient::Open(*rc) : absl::StatusOr<ApiClient>(rc.status());
    if (!client.ok()) {
      *exit_code = Fail("agent list", client.status());
      return;
    }
    std::string target = ExpandTarget(*rc, flags->target);
    absl::StatusOr<std::string> body =
        client->Get(absl::StrCat("agents?limit=", flags->limit, "&target=", QueryEscape(target)));
    absl::StatusOr<std::unique_ptr<json::JsonDocument>> document =
        body.ok() ? json::JsonDocument::Parse(*body, "agents")
                  : absl::StatusOr<std::unique_ptr<json::JsonDocument>>(body.status());
    if (!document.ok()) {
      *exit_code = Fail("agent list", document.status());
      return;
    }
    if (flags->render == "json") {
      std::cout << *body << "\n";
      *exit_code = 0;
      return;
    }
    simdjson::dom::element root = (*document)->root();
    int64_t matched = 0;
    if (root["matched"].get(matched) != simdjson::SUCCESS) matched = 0;
    simdjson::dom::array agents;
    if (root["agents"].get(agents) == simdjson::SUCCESS) {
      std::cout << absl::StrFormat("%-24s %-8s %-8s %-12s %-20s %s\n", "NAME", "STATUS", "MODE", "VERSION",
                                   "LAST HEARTBEAT (UTC)", "OS");
      for (simdjson::dom::element a : agents) {
        // Everything here is the agents' word: shown escaped.
        auto text = [&](simdjson::dom::element e, std::string_view key) {
          std::string_view value;
          return e[key].get(value) == simdjson::SUCCESS ? EscapeForDisplay(value) : std::string();
        };
        simdjson::dom::element environment;
        std::string os = a["environment"].get(environment) == simdjson::SUCCESS ? text(environment, "ident") : "";
        std::cout << absl::StrFormat("%-24s %-8s %-8s %-12s %-20s %s\n", Shorten(text(a, "name"), 24),
                                     text(a, "status"), text(a, "mode"), Shorten(text(a, "version"), 12),
                                     text(a, "heartbeattime"), os);
      }
    }
    std::cout.flush();
    std::cerr << matched << " agent" << (matched == 1 ? "" : "s") << " match " << target << "\n";
    *exit_code = matched > 0 ? 0 : 1;
  });
}

}  // namespace mig::investigator
