// The command line described for other tools, generated from the same CLI11 definitions as --help, so that
// it never disagrees with the binary: shell completion (`mig completion bash|zsh`) and a man page
// (`mig help --man`).
//
//   std::cout << BashCompletion(app);                       // source it, or put it in bash-completion's dir
//   std::cout << ManPage(app, "0.1.0", "2026-12-08");       // man -l -
#ifndef MIG_INVESTIGATOR_HELP_FORMATS_H_
#define MIG_INVESTIGATOR_HELP_FORMATS_H_

#include <string>
#include <string_view>

#include "CLI/CLI.hpp"

namespace mig::investigator {

// A bash completion script: commands, their subcommands, and each command's flags.
std::string BashCompletion(const CLI::App& app);
// The same for zsh, through zsh's bash completion compatibility (bashcompinit).
std::string ZshCompletion(const CLI::App& app);
// A man page (roff, section 1): the description, every command with its help, the exit status.
std::string ManPage(const CLI::App& app, std::string_view version, std::string_view date);

}  // namespace mig::investigator

#endif  // MIG_INVESTIGATOR_HELP_FORMATS_H_
