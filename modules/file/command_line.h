// The file module's command line, with MIG's flags: `mig file -path /etc -name '^passwd$' -content '^root:'`.
// The flags make one search, labelled "s1", as MIG's client does.
#ifndef MIG_MODULES_FILE_COMMAND_LINE_H_
#define MIG_MODULES_FILE_COMMAND_LINE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "modules/file/parameters.h"
#include "modules/module.h"

namespace mig::modules::file {

class FileCommandLine : public CommandLine {
 public:
  void AddFlags(CLI::App& command) override;
  absl::StatusOr<std::string> ParametersJson(std::string_view working_directory) const override;
  std::vector<std::string> LocalPaths() const override { return paths_; }

  // The parameters the flags describe, validated.
  absl::StatusOr<Parameters> ToParameters(std::string_view working_directory) const;

 private:
  std::vector<std::string> paths_, names_, sizes_, modes_, mtimes_, contents_, md5_, sha1_, sha2_, sha3_, mismatch_;
  uint64_t max_depth_ = kDefaultMaxDepth;
  uint64_t match_limit_ = kDefaultMatchLimit;
  uint64_t max_errors_ = 0;
  bool match_all_ = true;
  bool match_any_ = false;
  bool macroal_ = false;
  bool verbose_ = false;
  bool return_sha256_ = false;
  bool decompress_ = false;
  std::string links_ = "follow";
};

}  // namespace mig::modules::file

#endif  // MIG_MODULES_FILE_COMMAND_LINE_H_
