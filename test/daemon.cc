#include "test/daemon.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string_view>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "test/cli_harness.h"

namespace mig::test {

Daemon::Daemon(std::vector<std::string> args, std::string log) : args_(std::move(args)), log_(std::move(log)) {
  Start();
}

void Daemon::Start() {
  stopped_ = false;
  pid_ = fork();
  if (pid_ == 0) {
    int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    std::string binary = "./mig";
    argv.push_back(binary.data());
    for (std::string& a : args_) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
}

int Daemon::Stop(int signal) {
  stopped_ = true;
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void Daemon::Signal(int signal) {
  if (pid_ > 0) ::kill(pid_, signal);
}

bool Daemon::Alive() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == 0) return true;
  pid_ = -1;
  return false;
}

uint64_t Daemon::PeakMemory() const {
  for (std::string_view line : absl::StrSplit(ReadFile(absl::StrCat("/proc/", pid_, "/status")), '\n')) {
    if (absl::ConsumePrefix(&line, "VmHWM:")) {
      uint64_t kib = 0;
      if (absl::SimpleAtoi(absl::StripSuffix(absl::StripAsciiWhitespace(line), " kB"), &kib)) return kib << 10;
    }
  }
  return 0;
}

std::string Daemon::Log() const { return ReadFile(log_); }

}  // namespace mig::test
