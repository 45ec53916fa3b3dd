// The memory module's command line, with MIG's flags:
//   mig memory -name '^/usr/sbin/sshd$' -content 'ssh-rsa AAAA' -offset 0x7f0000000000 -maxlength 1048576
// The flags make one search, labelled "s1", as MIG's client does.
#ifndef MIG_MODULES_MEMORY_COMMAND_LINE_H_
#define MIG_MODULES_MEMORY_COMMAND_LINE_H_

#include <string>
#include <vector>

#include "modules/memory/parameters.h"
#include "modules/module.h"

namespace mig::modules::memory {

class MemoryCommandLine : public CommandLine {
 public:
  void AddFlags(CLI::App& command) override;
  absl::StatusOr<std::string> ParametersJson(std::string_view working_directory) const override;

  // The parameters the flags describe, validated.
  absl::StatusOr<Parameters> ToParameters() const;

 private:
  std::vector<std::string> names_, libraries_, contents_, bytes_;
  std::string offset_ = "0";
  std::string max_length_ = "0";
  bool match_all_ = true;
  bool match_any_ = false;
  bool log_failures_ = false;
};

// "4096", "0x7f0000000000": a decimal or 0x-prefixed hex count; `flag` names the option in errors.
absl::StatusOr<uint64_t> ParseCount(std::string_view flag, std::string_view value, uint64_t max);

}  // namespace mig::modules::memory

#endif  // MIG_MODULES_MEMORY_COMMAND_LINE_H_
