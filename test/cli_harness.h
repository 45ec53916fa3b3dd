// Running the mig binary (a data dependency, ./mig in the runfiles) from end-to-end tests.
//
//   Result r = Mig("file --local -path /etc -name passwd");
//   CHECK(r.exit_code == 0);
#ifndef MIG_TEST_CLI_HARNESS_H_
#define MIG_TEST_CLI_HARNESS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace mig::test {

struct Result {
  int exit_code = -1;  // -1 if it did not exit (killed by a signal)
  std::string out;     // stdout
  std::string err;     // stderr
};

// `args` is a shell command line's arguments; stdin comes from `stdin_file`. The process has no controlling
// terminal, as in a script.
Result Mig(const std::string& args, const std::string& stdin_file = "/dev/null");
// The same for any command line (run by /bin/sh): another binary, environment assignments first.
Result Run(const std::string& command_line, const std::string& stdin_file = "/dev/null");

// Runs `mig action status ID` until its output holds `needle` or `patience` has passed; the last run (the
// caller checks its output, and shows it when the needle never came).
Result WaitForActionStatus(int64_t id, std::string_view needle, absl::Duration patience);

// A new directory under TEST_TMPDIR.
std::string TempDir();
std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& contents);

}  // namespace mig::test

#endif  // MIG_TEST_CLI_HARNESS_H_
