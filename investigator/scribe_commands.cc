#include "investigator/scribe_commands.h"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "investigator/local_run.h"
#include "investigator/scribe_policy_command.h"
#include "modules/scribe/evr/evr.h"

namespace mig::investigator {
namespace {

constexpr char kEvrFooter[] =
    "With two versions, prints <, = or >. With an operator between them (< <= = >= > != or dpkg's lt le eq ge\n"
    "gt ne), prints nothing and exits 0 when the relation holds and 1 when it does not, as\n"
    "`dpkg --compare-versions` does. Exit 2 when a version is not valid for the package manager.\n"
    "\n"
    "Examples:\n"
    "  mig scribe evr 1:2.0~rc1-1 1:2.0-1                 # <   (dpkg: ~ sorts before everything)\n"
    "  mig scribe evr --rpm 1.0^git1 1.0                  # >   (rpm: ^ sorts after the base version)\n"
    "  mig scribe evr \"$(dpkg-query -W -f='${Version}' openssl)\" lt 3.0.15-1~deb12u1 && echo out of date";

struct EvrOptions {
  std::vector<std::string> arguments;
  bool rpm = false;
};

// -1 for an unknown operator.
int Holds(std::string_view op, int order) {
  if (op == "<" || op == "lt" || op == "<<") return order < 0;
  if (op == "<=" || op == "le") return order <= 0;
  if (op == "=" || op == "==" || op == "eq") return order == 0;
  if (op == "!=" || op == "ne") return order != 0;
  if (op == ">=" || op == "ge") return order >= 0;
  if (op == ">" || op == "gt" || op == ">>") return order > 0;
  return -1;
}

int CompareCommand(const EvrOptions& options) {
  using modules::scribe::VersionScheme;
  VersionScheme scheme = options.rpm ? VersionScheme::kRpm : VersionScheme::kDpkg;
  const std::vector<std::string>& args = options.arguments;
  const std::string& a = args.front();
  const std::string& b = args.back();
  for (const std::string* version : {&a, &b}) {
    absl::Status valid = modules::scribe::CheckVersion(*version, scheme);
    if (!valid.ok()) {
      std::cerr << "mig scribe evr: " << valid.message() << " (" << (options.rpm ? "rpm" : "dpkg") << " rules)\n";
      return kExitUsage;
    }
  }
  int order = modules::scribe::CompareVersions(a, b, scheme);
  if (args.size() == 2) {
    std::cout << (order < 0 ? "<" : order == 0 ? "=" : ">") << "\n";
    return 0;
  }
  int holds = Holds(args[1], order);
  if (holds < 0) {
    std::cerr << "mig scribe evr: '" << args[1] << "' is not an operator (< <= = != >= > lt le eq ne ge gt)\n";
    return kExitUsage;
  }
  return holds ? 0 : 1;
}

}  // namespace

void AddScribeCommands(CLI::App& app, int* exit_code) {
  CLI::App* scribe = nullptr;
  for (CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_name() == "scribe") scribe = sub;
  }
  if (scribe == nullptr) return;
  scribe->require_subcommand(0, 1);
  // Subcommands inherit the option group the module's last options were put in ("Action").
  scribe->option_defaults()->group("Options");

  auto options = std::make_shared<EvrOptions>();
  CLI::App* evr = scribe->add_subcommand("evr", "compare two package versions exactly as dpkg (default) or rpm does");
  evr->footer(kEvrFooter);
  evr->add_option("versions", options->arguments, "A B, or A OP B")->required()->expected(2, 3);
  evr->add_flag("--rpm", options->rpm, "compare with rpm's rpmvercmp rules instead of dpkg's");
  evr->callback([options, exit_code] { *exit_code = CompareCommand(*options); });

  AddScribePolicyCommand(*scribe, exit_code);
}

}  // namespace mig::investigator
