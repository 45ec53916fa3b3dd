#include "investigator/go_flags.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "investigator/spelling.h"

namespace mig::investigator {
namespace {

// The options a command accepts: its own and its parents' (CLI11 lets a subcommand use its parents' options
// when fallthrough is on).
std::vector<const CLI::Option*> VisibleOptions(const CLI::App* command) {
  std::vector<const CLI::Option*> options;
  for (const CLI::App* app = command; app != nullptr; app = app->get_parent()) {
    for (const CLI::Option* option : app->get_options()) options.push_back(option);
  }
  return options;
}

// The option named `name` (without dashes) among the command's long options.
const CLI::Option* FindLongOption(const CLI::App* command, const std::string& name) {
  for (const CLI::Option* option : VisibleOptions(command)) {
    for (const std::string& long_name : option->get_lnames()) {
      if (long_name == name) return option;
    }
  }
  return nullptr;
}

bool IsShortOption(const CLI::App* command, char name) {
  for (const CLI::Option* option : VisibleOptions(command)) {
    for (const std::string& short_name : option->get_snames()) {
      if (short_name.size() == 1 && short_name[0] == name) return true;
    }
  }
  return false;
}

std::vector<std::string> LongNames(const CLI::App* command) {
  std::vector<std::string> names;
  for (const CLI::Option* option : VisibleOptions(command)) {
    for (const std::string& long_name : option->get_lnames()) names.push_back(long_name);
  }
  return names;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> NormalizeGoFlags(const CLI::App& command,
                                                          const std::vector<std::string>& args) {
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
      // "-5" or "-1.2" may be a value; "-t=x" a short flag's. Any other word is a flag this command lacks.
      bool word = absl::ascii_isalpha(static_cast<unsigned char>(name[0]));
      bool short_with_value = dashes == 1 && name.size() == 1 && IsShortOption(&command, name[0]);
      if (!word || short_with_value) {
        out.push_back(arg);
        continue;
      }
      std::string message = absl::StrCat("unknown flag ", std::string(dashes, '-'), name, " for `",
                                         command.get_name().empty() ? "mig" : command.get_name(), "`");
      if (std::optional<std::string> closest = ClosestSpelling(name, LongNames(&command))) {
        absl::StrAppend(&message, " (did you mean -", *closest, "?)");
      }
      absl::StrAppend(&message, "; `mig ", command.get_name(), " --help` lists its flags");
      return absl::InvalidArgumentError(message);
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
