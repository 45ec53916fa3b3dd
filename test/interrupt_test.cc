// class interrupted-run: a local run stopped by SIGINT or SIGTERM — sent to the whole process group (a
// terminal's Ctrl-C, `timeout`, a CI runner), to mig alone, or to the sandboxed module process alone — ends
// with what was found printed, marked INCOMPLETE, and exit status 4, never with nothing.
//
// The run hashes a 1 TiB sparse file, which takes minutes, and each signal is sent only once the module's
// process exists and catches the signal (its SigCgt in /proc): the test waits for the state it needs.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "catch2/catch.hpp"
#include "test/cli_harness.h"

extern char** environ;

namespace mig::test {
namespace {

constexpr absl::Duration kPatience = absl::Seconds(60);

// The pids of `pid`'s children (its main thread's).
std::vector<pid_t> Children(pid_t pid) {
  std::vector<pid_t> children;
  std::string text = ReadFile(absl::StrCat("/proc/", pid, "/task/", pid, "/children"));
  for (std::string_view field : absl::StrSplit(text, ' ', absl::SkipWhitespace())) {
    pid_t child = 0;
    if (absl::SimpleAtoi(field, &child)) children.push_back(child);
  }
  return children;
}

// Whether `pid` has a handler for `signal` (its SigCgt mask in /proc/PID/status).
bool Catches(pid_t pid, int signal) {
  for (std::string_view line : absl::StrSplit(ReadFile(absl::StrCat("/proc/", pid, "/status")), '\n')) {
    if (!absl::ConsumePrefix(&line, "SigCgt:")) continue;
    uint64_t mask = 0;
    if (!absl::SimpleHexAtoi(absl::StripAsciiWhitespace(line), &mask)) return false;
    return (mask >> (signal - 1)) & 1;
  }
  return false;
}

struct Run {
  pid_t pid = -1;
  std::string out, err;
};

// `./mig args...` in a process group of its own, its output in files under `dir`.
Run Start(const std::vector<std::string>& args, const std::string& dir) {
  Run run{.out = dir + "/out", .err = dir + "/err"};
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, run.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&files, STDERR_FILENO, run.err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  std::vector<std::string> argv_strings = {"./mig"};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  int rc = posix_spawn(&run.pid, "./mig", &files, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  posix_spawnattr_destroy(&attributes);
  REQUIRE(rc == 0);
  return run;
}

// The exit status of `pid`, waited for at most kPatience (then it is killed, and -1).
int Wait(pid_t pid) {
  absl::Time deadline = absl::Now() + kPatience;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (absl::Now() > deadline) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

enum class Recipient { kGroup, kMigAlone, kModuleAlone };

struct Case {
  const char* what;
  Recipient recipient;
  int signal;
};

TEST_CASE("class interrupted-run: SIGINT and SIGTERM, to the group, to mig or to the module, print what was found") {
  const std::vector<Case> cases = {
      {"SIGINT to the process group (timeout -s INT, a CI runner)", Recipient::kGroup, SIGINT},
      {"SIGTERM to the process group (timeout, systemd)", Recipient::kGroup, SIGTERM},
      {"SIGINT to mig alone", Recipient::kMigAlone, SIGINT},
      {"SIGTERM to mig alone", Recipient::kMigAlone, SIGTERM},
      {"SIGINT to the module's process alone", Recipient::kModuleAlone, SIGINT},
      {"SIGTERM to the module's process alone", Recipient::kModuleAlone, SIGTERM},
  };
  std::string dir = TempDir();
  std::string sparse = dir + "/huge.bin";
  int fd = open(sparse.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(ftruncate(fd, int64_t{1} << 40) == 0);
  close(fd);
  WriteFile(dir + "/small.txt", "found me\n");
  for (const Case& c : cases) {
    INFO(c.what);
    Run run =
        Start({"file", "--local", "-path", dir, "-name", ".", "-sha2", std::string(64, '0'), "--show", "all"}, dir);
    // The module's process, once it handles the stop signals itself.
    pid_t module = -1;
    absl::Time deadline = absl::Now() + kPatience;
    while (module < 0 && absl::Now() < deadline) {
      for (pid_t child : Children(run.pid)) {
        if (Catches(child, SIGINT) && Catches(child, SIGTERM)) module = child;
      }
      if (module < 0) absl::SleepFor(absl::Milliseconds(10));
    }
    REQUIRE(module > 0);
    REQUIRE(Catches(run.pid, c.signal));
    switch (c.recipient) {
      case Recipient::kGroup:
        REQUIRE(kill(-run.pid, c.signal) == 0);
        break;
      case Recipient::kMigAlone:
        REQUIRE(kill(run.pid, c.signal) == 0);
        break;
      case Recipient::kModuleAlone:
        REQUIRE(kill(module, c.signal) == 0);
        break;
    }
    int exit_code = Wait(run.pid);
    std::string out = ReadFile(run.out), err = ReadFile(run.err);
    INFO(out << err);
    CHECK(exit_code == 4);
    CHECK(absl::StrContains(out, "INCOMPLETE: "));
    CHECK(absl::StrContains(out, "nothing found is not proof of absence"));
    CHECK(absl::StrContains(out, "Statistics: "));
  }
}

}  // namespace
}  // namespace mig::test
