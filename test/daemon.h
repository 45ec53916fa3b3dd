// A `mig` daemon (agent, scheduler) run by an end-to-end test: started from the test's runfiles (./mig) with
// its output appended to a log file, stopped and waited for by the test.
//
//   Daemon scheduler({"scheduler", "--config", conf}, absl::StrCat(dir, "/scheduler.log"));
//   ... scheduler.Log() ...
//   REQUIRE(scheduler.Stop(SIGTERM) == 0);
#ifndef MIG_TEST_DAEMON_H_
#define MIG_TEST_DAEMON_H_

#include <signal.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mig::test {

class Daemon {
 public:
  Daemon(std::vector<std::string> args, std::string log);
  ~Daemon() { Stop(SIGKILL); }
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Starts (again) `./mig <args>`.
  void Start();
  // Sends `signal` and waits for the process to end; its exit status (-1 if killed by a signal).
  int Stop(int signal);
  // Sends `signal` without waiting (SIGSTOP, SIGCONT).
  void Signal(int signal);
  // Still running (not exited, not crashed).
  bool Alive();
  // The most memory the process has held (VmHWM), in bytes.
  uint64_t PeakMemory() const;
  std::string Log() const;
  bool stopped() const { return stopped_; }  // by Stop, not by a crash

 private:
  std::vector<std::string> args_;
  std::string log_;
  pid_t pid_ = -1;
  bool stopped_ = false;
};

}  // namespace mig::test

#endif  // MIG_TEST_DAEMON_H_
