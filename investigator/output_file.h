// Where a command's results go: standard output, or the file `-o/--output` names, written atomically once
// the command has finished (interrupted or not), so that a script never reads half a result file and an
// earlier file is replaced only by a complete new one. Results can be sensitive: the file is 0600.
//
//   OutputFile output(flags.output);
//   int code = RunModuleLocally(module, parameters, options, output.stream(), std::cerr);
//   code = output.Close("file", code);   // kExitFailed, said on stderr, if the file could not be written
#ifndef MIG_INVESTIGATOR_OUTPUT_FILE_H_
#define MIG_INVESTIGATOR_OUTPUT_FILE_H_

#include <ostream>
#include <sstream>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace mig::investigator {

class OutputFile {
 public:
  // `path` empty: standard output.
  explicit OutputFile(std::string path) : path_(std::move(path)) {}
  std::ostream& stream();
  // Writes the file (nothing to do for standard output).
  absl::Status Finish();
  // Finish, for a command about to exit with `exit_code`: that code, or kExitFailed with the reason on stderr
  // ("mig <command>: --output ...") when the file could not be written.
  int Close(std::string_view command, int exit_code);

 private:
  std::string path_;
  std::ostringstream buffer_;
};

}  // namespace mig::investigator

#endif  // MIG_INVESTIGATOR_OUTPUT_FILE_H_
