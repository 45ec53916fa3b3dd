#include "test/cli_harness.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "catch2/catch.hpp"

namespace mig::test {

Result WaitForActionStatus(int64_t id, std::string_view needle, absl::Duration patience) {
  absl::Time deadline = absl::Now() + patience;
  while (true) {
    Result status = Mig(absl::StrCat("action status ", id));
    if (absl::StrContains(status.out, needle) || absl::Now() > deadline) return status;
    absl::SleepFor(absl::Milliseconds(200));
  }
}

std::string TempDir() {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string pattern = absl::StrCat(tmp ? tmp : "/tmp", "/cli-XXXXXX");
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  return pattern;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary);
  out << contents;
  REQUIRE(out.good());
}

Result Run(const std::string& command_line, const std::string& stdin_file) {
  static const std::string dir = TempDir();
  // setsid: no controlling terminal, so a passphrase prompt cannot wait for a person at the keyboard.
  std::string command =
      absl::StrCat("/usr/bin/setsid -w ", command_line, " < ", stdin_file, " > ", dir, "/out 2> ", dir, "/err");
  int status = std::system(command.c_str());
  Result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadFile(dir + "/out");
  r.err = ReadFile(dir + "/err");
  return r;
}

Result Mig(const std::string& args, const std::string& stdin_file) { return Run("./mig " + args, stdin_file); }

}  // namespace mig::test
