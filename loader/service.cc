#include "loader/service.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "agent/state_directory/agent_status.h"
#include "agent/state_directory/state_directory.h"
#include "base/files.h"
#include "base/log.h"
#include "base/status_macros.h"

namespace mig::loader {
namespace {

constexpr char kLoaderService[] = "mig-loader.service";
constexpr char kLoaderTimer[] = "mig-loader.timer";
constexpr char kCronFile[] = "/etc/cron.d/mig";
constexpr char kUnitDirectory[] = "/etc/systemd/system";
constexpr uint64_t kMaxAgentLogBytes = 10 << 20;
constexpr absl::Duration kVersionCheckTimeout = absl::Seconds(60);

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

// `binary [--config F] args...`, for unit files and crontabs (install checked that no path needs quoting).
std::string CommandLine(const ServiceSetup& setup, std::string_view args) {
  std::string line = setup.binary;
  if (!setup.config_path.empty()) absl::StrAppend(&line, " --config ", setup.config_path);
  absl::StrAppend(&line, " ", args);
  return line;
}

// The periodic loader run. The loader is the binary it updates: if a loader was stopped (killed, power cut)
// after swapping in a release that cannot even run, the next run starts the previous binary's loader, which
// finds the journal and rolls the release back.
// The binary is asked its version within kVersionCheckTimeout: a release that hangs there is as broken as one
// that cannot run.
std::string PeriodicLoaderCommand(const ServiceSetup& setup) {
  std::string args = "loader";
  if (!setup.root.empty() && setup.root != "/") absl::StrAppend(&args, " --root ", setup.root);
  absl::StrAppend(&args, " --deadline ", absl::FormatDuration(setup.run_deadline));
  if (!setup.loader_flags.empty()) absl::StrAppend(&args, " ", setup.loader_flags);
  ServiceSetup previous = setup;
  previous.binary = setup.binary + ".old";
  return absl::StrCat("/bin/sh -c 'timeout -k 5 ", absl::ToInt64Seconds(kVersionCheckTimeout), " ", setup.binary,
                      " version >/dev/null 2>&1 && exec ", CommandLine(setup, args), " || exec ",
                      CommandLine(previous, args), "'");
}

// The service manager's own limit on a loader run: a minute past the loader's deadline.
int64_t HardLimitSeconds(const ServiceSetup& setup) { return absl::ToInt64Seconds(setup.run_deadline) + 60; }

// Spreads a fleet's loaders over the 10 minutes, so that they do not all fetch the manifest at once.
int CronMinuteOffset() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  return static_cast<int>(std::hash<std::string_view>{}(host) % 10);
}

struct CommandResult {
  int exit_status = -1;
  std::string output;
};

// Runs argv (argv[0] found in PATH), collecting stdout and stderr.
absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  }
  if (pid == 0) {
    dup2(pipe_fds[1], 1);
    dup2(pipe_fds[1], 2);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  CommandResult result;
  char buffer[4096];
  while (true) {
    ssize_t n = read(pipe_fds[0], buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (result.output.size() < (64 << 10)) result.output.append(buffer, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

absl::Status Systemctl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"systemctl"};
  argv.insert(argv.end(), args.begin(), args.end());
  MIG_ASSIGN_OR_RETURN(CommandResult result, RunCommand(argv));
  if (result.exit_status != 0) {
    return absl::FailedPreconditionError(absl::StrCat(absl::StrJoin(argv, " "), " failed (status ", result.exit_status,
                                                      "): ", absl::StripAsciiWhitespace(result.output)));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> SystemdMainPid() {
  MIG_ASSIGN_OR_RETURN(CommandResult result, RunCommand({"systemctl", "show", "-p", "MainPID", "--value", kAgentUnit}));
  int pid = 0;
  if (result.exit_status != 0 || !absl::SimpleAtoi(absl::StripAsciiWhitespace(result.output), &pid)) {
    return absl::FailedPreconditionError(
        absl::StrCat("systemctl show ", kAgentUnit, ": ", absl::StripAsciiWhitespace(result.output)));
  }
  return pid;
}

// Alive and not a zombie (an orphaned agent's zombie may wait for a parent that never reaps).
bool ProcessRuns(int pid) {
  if (pid <= 0 || kill(pid, 0) != 0) return false;
  absl::StatusOr<std::string> stat = ReadFileBounded(absl::StrCat("/proc/", pid, "/stat"), 4096);
  if (!stat.ok()) return false;
  size_t paren = stat->rfind(')');
  return paren == std::string::npos || paren + 2 >= stat->size() || (*stat)[paren + 2] != 'Z';
}

std::string ExitDescription(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exited with status ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return absl::StrCat("was killed by signal ", WTERMSIG(status));
  return "stopped";
}

// The last lines the agent wrote to its log after `from` (its size when the agent started).
std::string LogTail(const std::string& log_path, off_t from) {
  int fd = open(log_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  off_t size = lseek(fd, 0, SEEK_END);
  off_t start = std::max(from, size > 2048 ? size - 2048 : off_t{0});
  if (start >= size) {
    close(fd);
    return "";
  }
  std::string text(static_cast<size_t>(size - start), '\0');
  ssize_t n = pread(fd, text.data(), text.size(), start);
  close(fd);
  if (n <= 0) return "";
  text.resize(static_cast<size_t>(n));
  std::vector<std::string_view> lines = absl::StrSplit(absl::StripTrailingAsciiWhitespace(text), '\n');
  if (start > from && !lines.empty()) lines.erase(lines.begin());  // the read began mid-line
  if (lines.size() > 5) lines.erase(lines.begin(), lines.end() - 5);
  return absl::StrJoin(lines, "\n  ");
}

}  // namespace

std::string UnderRoot(const std::string& root, std::string_view path) {
  if (root.empty() || root == "/") return std::string(path);
  return absl::StrCat(absl::StripSuffix(root, "/"), path);
}

std::string_view ServiceKindName(ServiceKind kind) {
  switch (kind) {
    case ServiceKind::kSystemd:
      return "systemd";
    case ServiceKind::kCron:
      return "cron";
    case ServiceKind::kNone:
      return "none";
  }
  return "none";
}

absl::StatusOr<ServiceKind> ParseServiceKind(std::string_view name) {
  for (ServiceKind kind : {ServiceKind::kSystemd, ServiceKind::kCron, ServiceKind::kNone}) {
    if (name == ServiceKindName(kind)) return kind;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown service kind '", name, "': use systemd, cron or none"));
}

ServiceKind InstalledServiceKind(const std::string& root) {
  if (Exists(UnderRoot(root, absl::StrCat(kUnitDirectory, "/", kAgentUnit)))) return ServiceKind::kSystemd;
  if (Exists(UnderRoot(root, kCronFile))) return ServiceKind::kCron;
  return ServiceKind::kNone;
}

ServiceKind DefaultServiceKind(const std::string& root) {
  // sd_booted()'s test.
  if ((root.empty() || root == "/") && Exists("/run/systemd/system")) return ServiceKind::kSystemd;
  if (Exists(UnderRoot(root, "/etc/cron.d"))) return ServiceKind::kCron;
  return ServiceKind::kNone;
}

std::vector<ServiceFile> ServiceFiles(ServiceKind kind, const ServiceSetup& setup) {
  std::vector<ServiceFile> files;
  if (kind == ServiceKind::kSystemd) {
    std::string units = UnderRoot(setup.root, kUnitDirectory);
    int64_t stop_seconds = absl::ToInt64Seconds(setup.stop_timeout) + 30;
    files.push_back({absl::StrCat(units, "/", kAgentUnit),
                     absl::StrCat("# Installed by `mig loader --install`; `mig loader --uninstall` removes it.\n"
                                  "[Unit]\n"
                                  "Description=mig agent: answers the fleet's signed forensic questions\n"
                                  "Wants=network-online.target\n"
                                  "After=network-online.target\n\n"
                                  "[Service]\n"
                                  "ExecStart=",
                                  CommandLine(setup, "agent"), "\n",
                                  "Restart=always\n"
                                  "RestartSec=10s\n"
                                  "# The agent finishes its running action before it stops.\n"
                                  "TimeoutStopSec=",
                                  stop_seconds,
                                  "s\n\n"
                                  "[Install]\n"
                                  "WantedBy=multi-user.target\n")});
    files.push_back({absl::StrCat(units, "/", kLoaderService),
                     absl::StrCat("# Installed by `mig loader --install`; `mig loader --uninstall` removes it.\n"
                                  "[Unit]\n"
                                  "Description=mig loader: installs verified mig releases\n"
                                  "Wants=network-online.target\n"
                                  "After=network-online.target\n\n"
                                  "[Service]\n"
                                  "Type=oneshot\n"
                                  "ExecStart=",
                                  PeriodicLoaderCommand(setup), "\n",
                                  "# The loader stops itself at its --deadline; this is the backstop.\n"
                                  "TimeoutStartSec=",
                                  HardLimitSeconds(setup), "s\n")});
    files.push_back({absl::StrCat(units, "/", kLoaderTimer),
                     "# Installed by `mig loader --install`; `mig loader --uninstall` removes it.\n"
                     "[Unit]\n"
                     "Description=run the mig loader periodically\n\n"
                     "[Timer]\n"
                     "OnBootSec=2min\n"
                     "OnUnitActiveSec=1h\n"
                     "RandomizedDelaySec=10min\n"
                     "Persistent=true\n\n"
                     "[Install]\n"
                     "WantedBy=timers.target\n"});
  } else if (kind == ServiceKind::kCron) {
    // timeout(1) is the backstop behind the loader's own --deadline (cron itself never stops a job).
    std::string run = absl::StrCat("root timeout -k 60 ", HardLimitSeconds(setup), " ", PeriodicLoaderCommand(setup),
                                   " >>", setup.log_file, " 2>&1\n");
    files.push_back({UnderRoot(setup.root, kCronFile),
                     absl::StrCat("# Installed by `mig loader --install`; `mig loader --uninstall` removes it.\n"
                                  "# The loader installs verified releases and keeps the agent running.\n"
                                  "SHELL=/bin/sh\n"
                                  "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
                                  "@reboot ",
                                  run, CronMinuteOffset(), "-59/10 * * * * ", run)});
  }
  return files;
}

absl::Status InstallServiceFiles(ServiceKind kind, const ServiceSetup& setup) {
  for (const ServiceFile& file : ServiceFiles(kind, setup)) {
    MIG_RETURN_IF_ERROR(MakeDirectories(ParentDirectory(file.path), 0755));
    MIG_RETURN_IF_ERROR(WriteFileAtomically(file.path, file.contents, 0644));
  }
  if (kind == ServiceKind::kSystemd && (setup.root.empty() || setup.root == "/")) {
    MIG_RETURN_IF_ERROR(Systemctl({"daemon-reload"}));
    MIG_RETURN_IF_ERROR(Systemctl({"enable", "--now", kAgentUnit, kLoaderTimer}));
  }
  return absl::OkStatus();
}

absl::Status RemoveServiceFiles(const ServiceSetup& setup) {
  bool live_systemd = (setup.root.empty() || setup.root == "/") &&
                      InstalledServiceKind(setup.root) == ServiceKind::kSystemd && Exists("/run/systemd/system");
  if (live_systemd) MIG_RETURN_IF_ERROR(Systemctl({"disable", "--now", kLoaderTimer, kAgentUnit}));
  for (ServiceKind kind : {ServiceKind::kSystemd, ServiceKind::kCron}) {
    for (const ServiceFile& file : ServiceFiles(kind, setup)) {
      if (unlink(file.path.c_str()) != 0 && errno != ENOENT) {
        return absl::UnavailableError(absl::StrCat("cannot remove ", file.path, ": ", strerror(errno)));
      }
    }
  }
  if (live_systemd) MIG_RETURN_IF_ERROR(Systemctl({"daemon-reload"}));
  return absl::OkStatus();
}

absl::StatusOr<int> AgentService::RunningPid() const {
  if (kind_ == ServiceKind::kSystemd) return SystemdMainPid();
  if (child_ > 0 && ProcessRuns(child_)) return child_;
  MIG_ASSIGN_OR_RETURN(std::optional<state_directory::AgentStatus> status,
                       state_directory::ReadAgentStatus(state_directory::StateDirectory(setup_.state_dir)));
  if (!status || !ProcessRuns(status->pid)) return 0;
  // The pid may belong to another process by now: only one running one of our binaries counts.
  char target[4096];
  ssize_t n = readlink(absl::StrCat("/proc/", status->pid, "/exe").c_str(), target, sizeof(target) - 1);
  if (n <= 0) return 0;
  std::string exe(target, static_cast<size_t>(n));
  exe = std::string(absl::StripSuffix(exe, " (deleted)"));
  for (const std::string& ours : {setup_.binary, setup_.binary + ".old", setup_.binary + ".new"}) {
    if (exe == ours) return status->pid;
  }
  return 0;
}

absl::Status AgentService::Stop() {
  if (kind_ == ServiceKind::kSystemd) return Systemctl({"stop", kAgentUnit});
  MIG_ASSIGN_OR_RETURN(int pid, RunningPid());
  if (pid == 0) return absl::OkStatus();
  kill(pid, SIGTERM);
  absl::Time deadline = absl::Now() + setup_.stop_timeout;
  while (true) {
    if (pid == child_) {
      int status = 0;
      if (waitpid(child_, &status, WNOHANG) == child_) child_ = 0;
    }
    if (!ProcessRuns(pid)) return absl::OkStatus();
    if (absl::Now() >= deadline) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  kill(pid, SIGKILL);
  if (pid == child_) {
    int status = 0;
    waitpid(child_, &status, 0);
    child_ = 0;
  }
  return absl::OkStatus();
}

absl::StatusOr<int> AgentService::StartDetached() {
  MIG_RETURN_IF_ERROR(MakeDirectories(setup_.state_dir, 0700));
  std::string log_path = state_directory::StateDirectory(setup_.state_dir).agent_log_file();
  struct stat st;
  if (stat(log_path.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_size) > kMaxAgentLogBytes) {
    rename(log_path.c_str(), absl::StrCat(log_path, ".1").c_str());
  }
  int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) return absl::UnavailableError(absl::StrCat("cannot open ", log_path, ": ", strerror(errno)));
  log_start_ = lseek(log_fd, 0, SEEK_END);
  std::vector<std::string> argv = {setup_.binary};
  if (!setup_.config_path.empty()) {
    argv.push_back("--config");
    argv.push_back(setup_.config_path);
  }
  argv.push_back("agent");
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  }
  if (pid == 0) {
    setsid();
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    unsetenv("MIG_LOADER_CRASH_AT");
    execv(args[0], args.data());
    dprintf(2, "mig loader: cannot run %s: %s\n", args[0], strerror(errno));
    _exit(127);
  }
  close(log_fd);
  child_ = pid;
  return pid;
}

absl::StatusOr<int> AgentService::Start() {
  if (kind_ == ServiceKind::kSystemd) {
    MIG_RETURN_IF_ERROR(Systemctl({"start", kAgentUnit}));
    return SystemdMainPid();
  }
  return StartDetached();
}

absl::StatusOr<int> AgentService::Restart() {
  if (kind_ == ServiceKind::kSystemd) {
    MIG_RETURN_IF_ERROR(Systemctl({"restart", kAgentUnit}));
    return SystemdMainPid();
  }
  MIG_RETURN_IF_ERROR(Stop());
  return StartDetached();
}

absl::StatusOr<int> AgentService::EnsureRunning() {
  if (kind_ == ServiceKind::kSystemd) return 0;  // systemd restarts it (Restart=always)
  MIG_ASSIGN_OR_RETURN(int pid, RunningPid());
  if (pid != 0) return pid;
  log::Warning("loader", "the agent was not running: starting it");
  return StartDetached();
}

bool AgentService::WasHeartbeating(absl::Duration heartbeat_frequency) const {
  absl::StatusOr<std::optional<state_directory::AgentStatus>> status =
      state_directory::ReadAgentStatus(state_directory::StateDirectory(setup_.state_dir));
  if (!status.ok() || !status->has_value()) return false;
  const state_directory::AgentStatus& s = **status;
  absl::StatusOr<int> running = RunningPid();
  if (!running.ok() || *running != s.pid) return false;
  return s.state == state_directory::AgentState::kConnected && s.heartbeat.has_value() &&
         absl::Now() - *s.heartbeat <= 2 * heartbeat_frequency + absl::Seconds(30);
}

absl::Status AgentService::WaitHealthy(int pid, absl::Time since, const HealthPolicy& policy) {
  std::string log_path = state_directory::StateDirectory(setup_.state_dir).agent_log_file();
  auto failed = [&](std::string why) {
    if (kind_ == ServiceKind::kSystemd) {
      absl::StrAppend(&why, " (see journalctl -u ", kAgentUnit, ")");
    } else if (std::string tail = LogTail(log_path, log_start_); !tail.empty()) {
      absl::StrAppend(&why, "; it logged:\n  ", tail);
    } else {
      absl::StrAppend(&why, "; it logged nothing");
    }
    return absl::FailedPreconditionError(why);
  };
  absl::Time deadline = since + policy.timeout;
  std::optional<state_directory::AgentStatus> seen;
  while (true) {
    if (pid == 0 && kind_ == ServiceKind::kSystemd) {
      absl::StatusOr<int> main_pid = SystemdMainPid();
      if (main_pid.ok()) pid = *main_pid;
    }
    if (pid != 0) {
      if (pid == child_) {
        int status = 0;
        if (waitpid(child_, &status, WNOHANG) == child_) {
          child_ = 0;
          return failed(absl::StrCat("the new agent ", ExitDescription(status), " ",
                                     absl::FormatDuration(absl::Trunc(absl::Now() - since, absl::Milliseconds(100))),
                                     " after it started"));
        }
      } else if (!ProcessRuns(pid)) {
        return failed("the new agent stopped right after it started");
      }
      absl::StatusOr<std::optional<state_directory::AgentStatus>> status =
          state_directory::ReadAgentStatus(state_directory::StateDirectory(setup_.state_dir));
      if (status.ok() && status->has_value() && (*status)->pid == pid) {
        seen = **status;
        if (policy.require_heartbeat) {
          if (seen->heartbeat && *seen->heartbeat >= since) return absl::OkStatus();
        } else if ((seen->state == state_directory::AgentState::kConnecting ||
                    seen->state == state_directory::AgentState::kConnected) &&
                   absl::Now() - since >= policy.settle) {
          return absl::OkStatus();
        }
      }
    }
    if (absl::Now() >= deadline) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  std::string within = absl::FormatDuration(policy.timeout);
  if (pid == 0) return failed(absl::StrCat("the agent service reported no process within ", within));
  if (!seen) return failed(absl::StrCat("the new agent (pid ", pid, ") wrote no status within ", within));
  return failed(absl::StrCat("the new agent (pid ", pid, ") published no heartbeat within ", within, " (it is ",
                             state_directory::AgentStateName(seen->state),
                             "), while the agent it replaced was heartbeating"));
}

}  // namespace mig::loader
