#include "investigator/commands.h"

#include <sys/stat.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/display_text.h"
#include "base/json/reader.h"
#include "base/status_macros.h"
#include "embedded_conf/load.h"
#include "investigator/action_commands.h"
#include "investigator/files.h"
#include "investigator/fleet.h"
#include "investigator/local_run.h"
#include "investigator/output_file.h"
#include "modules/module.h"
#include "protocol/action/action.h"

namespace mig::investigator {
namespace {

// Options every module command shares.
struct CommonOptions {
  bool local = false;
  std::string render = "text";
  std::string show = "found";
  int threads = 0;
  std::string timeout;
  bool no_sandbox = false;
  std::string target = kDefaultTarget;
  std::string expiration = kDefaultExpiration;
  std::string name;
  bool print_action = false;
  int64_t target_found = 0;
  int64_t target_notfound = 0;
  bool no_follow = false;
  std::string output;
};

// "-t,--target", or only "--target" when the module's own flags use -t (ping's timeout, as in MIG, where
// the module's -t and -p shadow nothing of ours).
std::string FreeNames(const CLI::App& command, const char* short_name, const char* long_name) {
  if (command.get_option_no_throw(short_name) != nullptr) return long_name;
  return absl::StrCat(short_name, ",", long_name);
}

void AddCommonOptions(CLI::App* command, CommonOptions* o) {
  command->option_defaults()->group("Investigation");
  command->add_flag("--local", o->local, "run on this host only, with no server");
  command->add_option("--render", o->render, "text: as MIG's client prints results; json: the result JSON")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  command
      ->add_option("--show", o->show,
                   "found: matches only; notfound: checks that matched nothing; all: both, "
                   "and every error")
      ->check(CLI::IsMember({"found", "notfound", "all"}))
      ->capture_default_str();
  command->add_option("--threads", o->threads, "worker threads of a local run (0: one per CPU)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  command->add_option("--timeout", o->timeout, "stop a local run after this long and show what was found (e.g. 30s)");
  command->add_flag("--no-sandbox", o->no_sandbox,
                    "a local run without the module sandbox (a child process under seccomp, niced, idle I/O, 1 GiB "
                    "memory cap): the module then runs in this process");
  command->option_defaults()->group("Action");
  command->add_option(FreeNames(*command, "-t", "--target"), o->target, "the agents to send the action to")
      ->capture_default_str();
  command->add_option(FreeNames(*command, "-e", "--expiration"), o->expiration, "how long the action stays valid")
      ->capture_default_str();
  command->add_option("--action-name", o->name, "the action's name (default: the module)");
  command->add_option("--target-found", o->target_found,
                      "only the agents that found something in this earlier action (its id), and the target");
  command->add_option("--target-notfound", o->target_notfound,
                      "only the agents that ran this earlier action and found nothing, and the target");
  command->add_flag("--no-follow", o->no_follow, "launch, print the action's id and return (see `mig action results`)");
  command->add_flag(FreeNames(*command, "-p", "--print-action"), o->print_action,
                    "print the unsigned action (JSON) instead of running it: sign it with `mig action sign`");
  command->option_defaults()->group("Output");
  command->add_option(FreeNames(*command, "-o", "--output"), o->output,
                      "write the results to this file (0600, replaced atomically once the run ends) instead of "
                      "standard output");
}

std::string WorkingDirectory() {
  char buf[4096];
  if (getcwd(buf, sizeof(buf)) == nullptr) return "/";
  return buf;
}

absl::StatusOr<LocalRunOptions> ToLocalOptions(const CommonOptions& o) {
  LocalRunOptions options;
  options.render = o.render == "json" ? Render::kJson : Render::kText;
  options.show = o.show == "all"        ? modules::Show::kAll
                 : o.show == "notfound" ? modules::Show::kNotFound
                                        : modules::Show::kFound;
  options.threads = o.threads;
  options.sandbox = !o.no_sandbox;
  if (!o.timeout.empty()) {
    absl::Duration timeout;
    if (!absl::ParseDuration(o.timeout, &timeout) || timeout <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(absl::StrCat("--timeout '", o.timeout, "' is not a duration like 30s or 5m"));
    }
    options.timeout = timeout;
  }
  return options;
}

// A local run's options: the flags, and the limits the configuration sets for module processes ([agent]
// modulememory, modulecpu), which hold a module run here as on an agent.
absl::StatusOr<LocalRunOptions> ToLocalRunOptions(const CommonOptions& o, const std::string& config_path) {
  MIG_ASSIGN_OR_RETURN(LocalRunOptions options, ToLocalOptions(o));
  MIG_ASSIGN_OR_RETURN(conf::Config config, conf::LoadConfig(config_path));
  options.memory_limit_bytes = config.agent.module_memory_bytes;
  options.cpu_percent = config.agent.module_cpu_percent;
  return options;
}

// Sends the operations to the agents the target selects, through the scheduler ~/.migrc names, and prints
// what they found.
int RunOnFleet(std::string_view command, std::vector<action::Operation> operations, const CommonOptions& o,
               const std::string& config_path, std::ostream& out) {
  auto fail = [&](const absl::Status& status, int code) {
    std::cerr << "mig " << command << ": " << status.message() << "\n";
    return code;
  };
  if (o.target_found > 0 && o.target_notfound > 0) {
    return fail(absl::InvalidArgumentError("--target-found and --target-notfound do not go together"), kExitUsage);
  }
  absl::StatusOr<conf::Config> config = conf::LoadConfig(config_path);
  if (!config.ok()) return fail(config.status(), kExitUsage);
  absl::StatusOr<Migrc> rc = LoadMigrc();
  if (!rc.ok()) return fail(rc.status(), kExitUsage);
  absl::StatusOr<LocalRunOptions> print = ToLocalOptions(o);
  if (!print.ok()) return fail(print.status(), kExitUsage);
  absl::StatusOr<ApiClient> client = ApiClient::Open(*rc);
  if (!client.ok()) return fail(client.status(), kExitUsage);
  std::string target = ExpandTarget(*rc, o.target);
  if (o.target_found > 0 || o.target_notfound > 0) {
    int64_t earlier = o.target_found > 0 ? o.target_found : o.target_notfound;
    absl::StatusOr<std::vector<std::string>> agents = AgentsOfAction(*client, earlier, o.target_found > 0);
    if (!agents.ok()) return fail(agents.status(), kExitFailed);
    if (agents->empty()) {
      std::cerr << "mig " << command << ": no agent " << (o.target_found > 0 ? "found something" : "found nothing")
                << " in action " << earlier << "\n";
      return kExitNothingFound;
    }
    target = TargetForAgents(target, *agents);
  }
  NewActionRequest request;
  request.operations = std::move(operations);
  request.name = o.name;
  request.target = target;
  request.expiration = o.expiration;
  absl::StatusOr<action::Action> a = NewUnsignedAction(request, *config, absl::Now());
  if (!a.ok()) return fail(a.status(), kExitUsage);
  FleetRunOptions options;
  options.print = *print;
  options.follow = !o.no_follow;
  return LaunchAndFollow(*client, *std::move(a), /*add_signature=*/true, options, out, std::cerr);
}

int PrintAction(const modules::Module& module, std::string parameters, const CommonOptions& o,
                const std::string& config_path, std::ostream& out) {
  std::string name(module.name());
  absl::StatusOr<conf::Config> config = conf::LoadConfig(config_path);
  if (!config.ok()) {
    std::cerr << "mig " << name << ": " << config.status().message() << "\n";
    return kExitUsage;
  }
  NewActionRequest request;
  request.operations.push_back({name, std::move(parameters)});
  request.name = o.name;
  request.target = o.target;
  request.expiration = o.expiration;
  absl::StatusOr<action::Action> a = NewUnsignedAction(request, *config, absl::Now());
  if (!a.ok()) {
    std::cerr << "mig " << name << ": " << a.status().message() << "\n";
    return kExitUsage;
  }
  out << action::ActionToJson(*a, /*indent=*/true) << "\n";
  return 0;
}

void AddModuleCommand(CLI::App& app, const modules::Module& module, int* exit_code, const std::string* config_path) {
  CLI::App* command = app.add_subcommand(std::string(module.name()), std::string(module.summary()));
  command->footer(std::string(module.help()));
  auto options = std::make_shared<CommonOptions>();
  std::shared_ptr<modules::CommandLine> flags = module.NewCommandLine();
  flags->AddFlags(*command);
  AddCommonOptions(command, options.get());
  command->callback([&module, command, options, flags, exit_code, config_path] {
    // A tool of the module's own (`mig scribe evr`) ran instead of the module.
    if (!command->get_subcommands().empty()) return;
    std::string name(module.name());
    absl::StatusOr<std::string> parameters = flags->ParametersJson(WorkingDirectory());
    if (!parameters.ok()) {
      std::cerr << "mig " << name << ": " << parameters.status().message() << "\n";
      *exit_code = kExitUsage;
      return;
    }
    if (options->print_action && options->local) {
      std::cerr << "mig " << name << ": --print-action and --local do not go together: a local run needs no action\n";
      *exit_code = kExitUsage;
      return;
    }
    if (options->print_action) {
      OutputFile output(options->output);
      *exit_code = PrintAction(module, *parameters, *options, *config_path, output.stream());
      *exit_code = output.Close(name, *exit_code);
      return;
    }
    if (!options->local) {
      OutputFile output(options->output);
      *exit_code = RunOnFleet(name, {{name, *parameters}}, *options, *config_path, output.stream());
      *exit_code = output.Close(name, *exit_code);
      return;
    }
    for (const std::string& path : flags->LocalPaths()) {
      std::string absolute = path.empty() || path[0] == '/' ? path : absl::StrCat(WorkingDirectory(), "/", path);
      struct stat st;
      if (stat(absolute.c_str(), &st) != 0) {
        std::cerr << "mig " << name << ": -path " << path << ": " << std::strerror(errno) << "\n";
        *exit_code = kExitUsage;
        return;
      }
    }
    absl::StatusOr<LocalRunOptions> local = ToLocalRunOptions(*options, *config_path);
    if (!local.ok()) {
      std::cerr << "mig " << name << ": " << local.status().message() << "\n";
      *exit_code = kExitUsage;
      return;
    }
    OutputFile output(options->output);
    *exit_code = RunModuleLocally(module, *parameters, *local, output.stream(), std::cerr);
    *exit_code = output.Close(name, *exit_code);
  });
}

struct Operation {
  std::string module;
  std::string parameters_json;
};

// The operations of a MIG action file. The action's other fields (name, target, validity, signatures...)
// matter to agents, not to a local run, and are not checked here.
absl::StatusOr<std::vector<Operation>> ReadOperations(const std::string& text, const std::string& source) {
  auto doc = json::JsonDocument::Parse(text, source);
  if (!doc.ok()) return doc.status();
  auto root = json::AsObject((*doc)->root(), "");
  if (!root.ok()) return root.status();
  simdjson::dom::element operations_element;
  if ((*root)["operations"].get(operations_element) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": no \"operations\" in the action"));
  }
  auto operations = json::AsArray(operations_element, "operations");
  if (!operations.ok()) return operations.status();
  std::vector<Operation> out;
  size_t index = 0;
  for (simdjson::dom::element op : *operations) {
    std::string path = json::IndexPath("operations", index++);
    auto object = json::AsObject(op, path);
    if (!object.ok()) return object.status();
    absl::Status keys = json::CheckKeys(*object, path, {"module", "parameters"});
    if (!keys.ok()) return keys;
    simdjson::dom::element module_element, parameters_element;
    if ((*object)["module"].get(module_element) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": no \"module\""));
    }
    auto module = json::AsString(module_element, json::ChildPath(path, "module"));
    if (!module.ok()) return module.status();
    if (modules::FindModule(*module) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": unknown module '", *module, "'"));
    }
    if ((*object)["parameters"].get(parameters_element) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": no \"parameters\""));
    }
    out.push_back(Operation{*module, simdjson::minify(parameters_element)});
  }
  if (out.empty()) return absl::InvalidArgumentError(absl::StrCat(source, ": the action has no operations"));
  return out;
}

// What each search of a file or memory operation keeps, in words: a MIG action file without "matchall" keeps
// a file that ANY check matches (MIG's rule), while the command line keeps only what EVERY check matches.
// Said before the run, so that nobody reads one rule's results as the other's.
std::vector<std::string> MatchRules(const Operation& op) {
  std::vector<std::string> rules;
  if (op.module != "file" && op.module != "memory") return rules;
  auto doc = json::JsonDocument::Parse(op.parameters_json, "parameters");
  simdjson::dom::object searches;
  if (!doc.ok() || (*doc)->root()["searches"].get(searches) != simdjson::SUCCESS) return rules;
  for (auto [label, search] : searches) {
    bool match_all = false;
    if (search["options"]["matchall"].get(match_all) != simdjson::SUCCESS) match_all = false;
    size_t checks = 0;
    if (simdjson::dom::object fields; search.get(fields) == simdjson::SUCCESS) {
      for (auto [key, value] : fields) {
        if (key == "paths" || key == "options" || key == "description") continue;
        if (simdjson::dom::array values; value.get(values) == simdjson::SUCCESS) checks += values.size();
      }
    }
    rules.push_back(absl::StrCat(
        "search '", EscapeForDisplay(label), "': ",
        match_all ? absl::StrCat("a match must pass all ", checks, " checks (\"matchall\": true)")
                  : absl::StrCat("a match needs only one of its ", checks,
                                 " checks (no \"matchall\": MIG's rule for action files; results say which)")));
  }
  return rules;
}

// Says on stderr which rule each search of each operation uses, before it runs.
void SayMatchRules(const std::vector<Operation>& operations) {
  for (size_t i = 0; i < operations.size(); ++i) {
    for (const std::string& rule : MatchRules(operations[i])) {
      std::cerr << "mig run: operation " << i << " (" << operations[i].module << "), " << rule << "\n";
    }
  }
}

}  // namespace

void AddModuleCommands(CLI::App& app, int* exit_code, const std::string* config_path) {
  for (const modules::Module* module : modules::AllModules()) AddModuleCommand(app, *module, exit_code, config_path);
}

void AddRunCommand(CLI::App& app, int* exit_code, const std::string* config_path) {
  CLI::App* command =
      app.add_subcommand("run", "run every operation of a MIG action file (its parameters JSON, as MIG writes them)");
  command->footer("Example:\n  mig run --local -i action.json\n  mig run --local -i - -render json < action.json");
  auto input = std::make_shared<std::string>();
  auto options = std::make_shared<CommonOptions>();
  command->add_option("-i,--input", *input, "the action file; - reads standard input")->required();
  AddCommonOptions(command, options.get());
  command->callback([input, options, exit_code, config_path] {
    absl::StatusOr<std::string> text = ReadInputFile(*input);
    absl::StatusOr<std::vector<Operation>> operations =
        text.ok() ? ReadOperations(*text, *input) : absl::StatusOr<std::vector<Operation>>(text.status());
    if (!options->local) {
      if (!operations.ok()) {
        std::cerr << "mig run: " << operations.status().message() << "\n";
        *exit_code = kExitUsage;
        return;
      }
      std::vector<action::Operation> fleet_operations;
      SayMatchRules(*operations);
      for (Operation& op : *operations) fleet_operations.push_back({op.module, std::move(op.parameters_json)});
      OutputFile output(options->output);
      *exit_code = RunOnFleet("run", std::move(fleet_operations), *options, *config_path, output.stream());
      *exit_code = output.Close("run", *exit_code);
      return;
    }
    absl::StatusOr<LocalRunOptions> local = ToLocalRunOptions(*options, *config_path);
    if (local.ok() && !operations.ok()) local = operations.status();
    if (!local.ok()) {
      std::cerr << "mig run: " << local.status().message() << "\n";
      *exit_code = kExitUsage;
      return;
    }
    // Check every operation before running any.
    for (size_t i = 0; i < operations->size(); ++i) {
      const Operation& op = (*operations)[i];
      absl::Status valid = modules::FindModule(op.module)->ValidateParameters(op.parameters_json);
      if (!valid.ok()) {
        std::cerr << "mig run: operation " << i << " (" << op.module << "): " << valid.message() << "\n";
        *exit_code = kExitUsage;
        return;
      }
    }
    SayMatchRules(*operations);
    int code = kExitNothingFound;
    OutputFile output(options->output);
    for (size_t i = 0; i < operations->size(); ++i) {
      const Operation& op = (*operations)[i];
      if (local->render == Render::kText) output.stream() << "== operation " << i << ": " << op.module << "\n";
      LocalRunOptions one_operation = *local;
      one_operation.operation = static_cast<int>(i);
      int one = RunModuleLocally(*modules::FindModule(op.module), op.parameters_json, one_operation, output.stream(),
                                 std::cerr);
      if (one == kExitFailed || code == kExitFailed) {
        code = kExitFailed;
      } else if (one == kExitFound) {
        code = kExitFound;
      }
    }
    *exit_code = output.Close("run", code);
  });
}

}  // namespace mig::investigator
