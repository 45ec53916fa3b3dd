#include "investigator/go_flags.h"

namespace mig::investigator {
namespace {

// The option named `name` (without dashes) among the command's long options and its parents' (CLI11 lets
// a subcommand use its parents' options when fallthrough is on).
const CLI::Option* FindLongOption(const CLI::App* command, const std::string& name) {
  for (const CLI::App* app = command; app != nullptr; app = app->get_parent()) {
    for (const CLI::Option* option : app->get_options()) {
      for (const std::string& long_name : option->get_lnames()) {
        if (long_name == name) return option;
      }
    }
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> NormalizeGoFlags(const CLI::App& command, const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      out.insert(out.end(), args.begin() + static_cast<long>(i), args.end());
      break;
    }
    size_t dashes = arg.rfind("--", 0) == 0 ? 2 : (arg.rfind('-', 0) == 0 ? 1 : 0);
    if (dashes == 0 || arg.size() <= dashes + 1) {  // positional, "-", or a short flag like -t
      out.push_back(arg);
      continue;
    }
    std::string body = arg.substr(dashes);
    size_t equals = body.find('=');
    std::string name = body.substr(0, equals);
    const CLI::Option* option = FindLongOption(&command, name);
    if (option == nullptr) {
      out.push_back(arg);  // CLI11 will report it, or it is a value
      continue;
    }
    bool takes_value = option->get_expected_max() > 0;
    if (equals != std::string::npos) {
      out.push_back("--" + body);
    } else if (takes_value && i + 1 < args.size()) {
      out.push_back("--" + name + "=" + args[++i]);
    } else {
      out.push_back("--" + name);
    }
  }
  return out;
}

}  // namespace mig::investigator
