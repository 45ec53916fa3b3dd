// Running a host command from a test, to compare with what the host's own tools say.
//
//   std::string version = Shell("dpkg-query -W -f='${Version}' dpkg");   // fails the test on exit != 0
//   std::string listing = ShellOutput("find /x 2>/dev/null");              // whatever the exit status
#ifndef MIG_TEST_SHELL_H_
#define MIG_TEST_SHELL_H_

#include <string>

namespace mig::test {

// The command's standard output (run by /bin/sh); the test fails if it cannot run or exits non-zero.
std::string Shell(const std::string& command);
// The command's standard output, whatever its exit status.
std::string ShellOutput(const std::string& command);

}  // namespace mig::test

#endif  // MIG_TEST_SHELL_H_
