// Each row runs an action in a forked child that entered the sandbox, and checks whether the sandbox
// stopped it (exit status kViolationExitStatus, the call named on stderr) or let it through.
#include "base/sandbox/seccomp.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/sandbox/limits.h"
#include "catch2/catch.hpp"

namespace mig::sandbox {
namespace {

struct Outcome {
  int exit_status = -1;  // -1: killed by a signal
  int signal = 0;
  std::string err;
  // Stopped by the sandbox: by the SIGSYS handler, or by the kernel when signals were blocked.
  bool stopped() const { return exit_status == kViolationExitStatus || signal == SIGSYS; }
};

// `action` returns the child's exit status when the sandbox lets it finish. Without `policy`, no sandbox.
Outcome RunSandboxed(const std::optional<Policy>& policy, const std::function<int()>& action) {
  int pipe_fds[2];
  REQUIRE(pipe(pipe_fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(pipe_fds[0]);
    dup2(pipe_fds[1], STDERR_FILENO);
    if (policy.has_value() && !Enter(*policy).ok()) _exit(90);
    _exit(action());
  }
  close(pipe_fds[1]);
  Outcome outcome;
  char buffer[4096];
  ssize_t n;
  while ((n = read(pipe_fds[0], buffer, sizeof(buffer))) > 0) outcome.err.append(buffer, static_cast<size_t>(n));
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  outcome.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  outcome.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  return outcome;
}

std::string TempPath(const char* name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  return absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", name);
}

TEST_CASE("the sandbox lets a module read, think and print, and stops everything else by name") {
  const Policy none;
  const Policy inet{.socket_families = {AF_INET, AF_INET6}};
  const Policy netlink{.socket_families = {AF_NETLINK}};
  std::string victim = TempPath("sandbox-victim");
  struct Row {
    std::string name;
    Policy policy;
    std::function<int()> action;
    bool stopped;
    std::string message;  // on stderr when stopped
  };
  std::vector<Row> rows = {
      {"read a file", none,
       [] {
         int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
         char c;
         return fd >= 0 && read(fd, &c, 1) == 1 ? 0 : 1;
       },
       false, ""},
      {"threads", none,
       [] {
         std::atomic<int> n{0};
         std::thread a([&] { ++n; }), b([&] { ++n; });
         a.join();
         b.join();
         return n == 2 ? 0 : 1;
       },
       false, ""},
      {"write to its own stdout", none, [] { return write(STDOUT_FILENO, "", 0) == 0 ? 0 : 1; }, false, ""},
      {"signal itself", none,
       [] {
         signal(SIGUSR1, SIG_IGN);
         return kill(getpid(), SIGUSR1) == 0 ? 0 : 1;
       },
       false, ""},
      {"open a file for writing", none,
       [&] { return open(victim.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644) >= 0 ? 0 : 1; }, true,
       absl::StrCat("\"", victim, "\" for writing")},
      {"open a file to append", none, [&] { return open("/etc/passwd", O_RDONLY | O_APPEND) >= 0 ? 0 : 1; }, true,
       "for writing"},
      {"exec a shell", none,
       [] {
         char* argv[] = {const_cast<char*>("/bin/sh"), nullptr};
         execv("/bin/sh", argv);
         return 1;
       },
       true, "forbidden system call execve \"/bin/sh\""},
      {"fork", none, [] { return fork() >= 0 ? 0 : 1; }, true, ""},
      {"open a directory (O_DIRECTORY is not O_TMPFILE)", none,
       [] { return open("/etc", O_RDONLY | O_DIRECTORY | O_CLOEXEC) >= 0 ? 0 : 1; }, false, ""},
      {"a TCP socket without network", none, [] { return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : 1; }, true,
       "forbidden system call socket (address family 2)"},
      {"a TCP socket for a network module", inet, [] { return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : 1; }, false,
       ""},
      {"a netlink socket for a module allowed inet only", inet,
       [] { return socket(AF_NETLINK, SOCK_RAW, 0) >= 0 ? 0 : 1; }, true, "(address family 16)"},
      {"a netlink socket for netstat", netlink, [] { return socket(AF_NETLINK, SOCK_RAW, 0) >= 0 ? 0 : 1; }, false, ""},
      {"a local socket for a network module: refused, not fatal", inet,
       [] { return socket(AF_UNIX, SOCK_STREAM, 0) == -1 && errno == EACCES ? 0 : 1; }, false, ""},
      {"a local socket without network", none, [] { return socket(AF_UNIX, SOCK_STREAM, 0) >= 0 ? 0 : 1; }, true,
       "(address family 1)"},
      {"kill another process", none, [] { return kill(getppid(), 0) == 0 ? 0 : 1; }, true,
       "forbidden system call kill on process"},
      {"ptrace another process", none, [] { return ptrace(PTRACE_ATTACH, getppid(), nullptr, nullptr) == 0 ? 0 : 1; },
       true, "forbidden system call ptrace"},
      {"mount", none, [] { return mount("none", "/mnt", "tmpfs", 0, nullptr) == 0 ? 0 : 1; }, true,
       "forbidden system call mount"},
      {"unlink", none, [&] { return unlink(victim.c_str()) == 0 ? 0 : 1; }, true, "forbidden system call unlink"},
      {"raise a resource limit", none,
       [] {
         struct rlimit limit = {RLIM_INFINITY, RLIM_INFINITY};
         return setrlimit(RLIMIT_AS, &limit) == 0 ? 0 : 1;
       },
       true, "forbidden system call"},
      {"push keystrokes into a terminal (TIOCSTI): refused, not fatal", none,
       [] {
         char c = 'x';
         return ioctl(STDIN_FILENO, TIOCSTI, &c) == -1 && errno == ENOTTY ? 0 : 1;
       },
       false, ""},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      Outcome outcome = RunSandboxed(row.policy, row.action);
      INFO(outcome.err);
      if (row.stopped) {
        CHECK(outcome.stopped());
        // Named, unless the call was made with every signal blocked (musl's fork).
        if (outcome.signal != SIGSYS) {
          CHECK(absl::StrContains(outcome.err, kViolationPrefix));
          CHECK(absl::StrContains(outcome.err, row.message));
        }
      } else {
        CHECK(outcome.exit_status == 0);
      }
    }
  }
  CHECK(access(victim.c_str(), F_OK) != 0);
}

TEST_CASE("limits: lower priority, idle I/O, no file writes even without the filter") {
  Outcome outcome = RunSandboxed(std::nullopt, [] {
    int before = getpriority(PRIO_PROCESS, 0);
    if (!ApplyLimits({.nice = 5, .idle_io = true, .memory_bytes = 0}).ok()) return 2;
    return getpriority(PRIO_PROCESS, 0) == std::min(before + 5, 19) ? 0 : 1;
  });
  INFO(outcome.err);
  CHECK(outcome.exit_status == 0);
}

}  // namespace
}  // namespace mig::sandbox

namespace mig::sandbox {
namespace {

// The filter's shape, whatever its rules: every jump lands on an instruction of the program, and every path
// ends in a return, so no edit of the rules can send the kernel past the end or into the middle of nowhere.
TEST_CASE("every jump of the filter lands inside it, and every path returns") {
  const Policy kPolicies[] = {{}, {.socket_families = {AF_INET, AF_INET6}}, {.socket_families = {AF_NETLINK}}};
  for (const Policy& policy : kPolicies) {
    std::vector<sock_filter> filter = BuildFilter(policy, getpid());
    REQUIRE(!filter.empty());
    REQUIRE(filter.size() <= BPF_MAXINSNS);
    CHECK(BPF_CLASS(filter.back().code) == BPF_RET);
    for (size_t i = 0; i < filter.size(); ++i) {
      const sock_filter& instruction = filter[i];
      if (BPF_CLASS(instruction.code) != BPF_JMP) continue;
      INFO("instruction " << i);
      CHECK(i + 1 + instruction.jt < filter.size());
      CHECK(i + 1 + instruction.jf < filter.size());
    }
  }
}

}  // namespace
}  // namespace mig::sandbox
